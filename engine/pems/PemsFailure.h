#pragma once

#include "model/Error.h"
#include "model/FailureClass.h"
#include "model/PfaField.h"

#include <QString>
#include <QStringList>

#include <chrono>
#include <optional>
#include <variant>
#include <vector>

namespace pfa::pems {

// Why a PEMS call did not succeed. The alternatives below form one sum type (PemsFailure), so they
// live together in this header; each maps to a model::FailureClass that decides the worker's
// handling. Every message is plain text for people (PEMS' own wording where it gave one) and never
// contains the API key.

// 409: the record moved on since the version the write was based on.
struct VersionConflict
{
    qint64 currentVersion = 0;
    qint64 expectedVersion = 0;
    std::vector<model::PfaField> conflictingFields; // catalog order, as PEMS listed them
    QStringList unknownConflictingFields;           // names PEMS sent that our catalog lacks
    QString message;
};

// 429: too many requests; wait retryAfter, which does not spend a retry attempt.
struct RateLimited
{
    std::chrono::milliseconds retryAfter{0};
    // False when Retry-After was missing or unreadable and retryAfter is the client's default.
    bool retryAfterFromServer = false;
    QString message;
};

// 401: the key was refused. 403: the key may not act on this organization or record. Either way
// every later request with this key fails too, so the worker pauses the organization.
struct Unauthorized
{
    int httpStatus = 401;
    QString message;
};

// One field PEMS rejected, as its 400 response named it.
struct FieldError
{
    QString field;                           // the wire name PEMS used
    std::optional<model::PfaField> pfaField; // the same, when our catalog knows it
    QString rule;
    QString message;
};

// 400/404/410/422 and other 4xx (and unexpected redirects): sending it again cannot help.
struct Permanent
{
    std::optional<int> httpStatus; // nullopt: refused before sending (request or configuration)
    QString errorCode;             // PEMS' machine-readable code ("VALIDATION_ERROR", "NOT_FOUND")
    QString message;
    std::vector<FieldError> fieldErrors;
};

// A change PEMS will only apply after a person confirms it (HxGN EAM's ConfirmationAlert). The
// JSON dialect never produces it.
struct NeedsConfirmation
{
    std::optional<int> httpStatus;
    QString message;
};

// What kind of transient failure: for logs, metrics and the attempt history.
enum class TransientCause
{
    ServerError,       // 5xx, or 408
    Timeout,           // nothing arrived within the configured timeout
    ConnectionRefused, // nobody listens at the address
    ConnectionClosed,  // closed or reset before the whole response arrived
    HostNotFound,
    Tls,               // handshake or certificate verification failed
    MalformedResponse, // a body that is not the JSON the contract promises, or is truncated
    Network,           // any other transport problem
};

// Worth retrying with backoff: 5xx, timeouts, connection and TLS failures, unreadable bodies.
struct Transient
{
    TransientCause cause = TransientCause::Network;
    std::optional<int> httpStatus;
    // A Retry-After that came with a 5xx (typically 503): a floor for the next backoff delay.
    std::optional<std::chrono::milliseconds> retryAfter;
    QString message;
};

using PemsFailure = std::variant<VersionConflict, RateLimited, Unauthorized, Permanent,
                                 NeedsConfirmation, Transient>;

// conflict, rate_limit, auth, validation (Permanent), needs_confirmation, transient.
[[nodiscard]] model::FailureClass failureClass(const PemsFailure& failure);

// The HTTP status that produced the failure, if a response arrived.
[[nodiscard]] std::optional<int> httpStatusOf(const PemsFailure& failure);

[[nodiscard]] QString messageOf(const PemsFailure& failure);

// "version_conflict", "rate_limited", "unauthorized", "permanent", "needs_confirmation",
// "transient": for logs.
[[nodiscard]] QString kindName(const PemsFailure& failure);

// "timeout", "server_error", ...
[[nodiscard]] QString causeName(TransientCause cause);

// One line for logs and for the attempt history: kind, status and message.
[[nodiscard]] QString describe(const PemsFailure& failure);

// For code that reports pfa::Error: the code follows the kind (404 -> NotFound, 403 -> Forbidden,
// conflict -> Conflict, transient and rate limit -> Io, ...), detail holds the HTTP status.
[[nodiscard]] Error toError(const PemsFailure& failure);

// A Permanent 404: the record does not exist in PEMS (or not in that organization).
[[nodiscard]] bool isNotFound(const PemsFailure& failure);

} // namespace pfa::pems
