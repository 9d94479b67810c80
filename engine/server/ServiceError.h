#pragma once

#include "model/Error.h"

#include <QString>

#include <chrono>
#include <expected>
#include <optional>

namespace pfa::server {

// Why a call of ServiceClient did not succeed: either the service answered with an error (its
// HTTP status and its JSON error: code, message, field), or no usable answer arrived (the
// transport failed, the timeout fired, TLS failed, or the body was not what the API promises).
// The console branches on `kind` first: only Http errors come from the service's decision.
struct ServiceError
{
    enum class Kind
    {
        Http,              // an answer with an error status; httpStatus, code, message, field
        Transport,         // no connection, refused, reset, host not found
        Timeout,           // nothing arrived within the client's timeout
        Tls,               // the handshake or the certificate check failed
        MalformedResponse, // an answer arrived, but not the JSON the route promises
    };

    Kind kind = Kind::Transport;
    int httpStatus = 0; // 0 when no answer arrived
    QString code;       // the service's "error" ("NOT_FOUND", "RATE_LIMITED"); empty otherwise
    QString message;    // the service's message, or what went wrong on the way
    QString field;      // the input the service named, when one was at fault
    std::optional<std::chrono::seconds> retryAfter; // a 429's Retry-After

    [[nodiscard]] bool isHttp() const { return kind == Kind::Http; }
    // "404 NOT_FOUND: conflict 9 does not exist (field id)" or "transport: connection refused".
    [[nodiscard]] QString toString() const;
};

template<typename T>
using ServiceResult = std::expected<T, ServiceError>;

// For code that reports pfa::Error: the code follows the HTTP status (400 -> InvalidInput or
// Validation, 401 -> Unauthorized, 403 -> Forbidden, 404 -> NotFound, 409 -> Conflict, transport
// and the rest -> Io or Internal), detail holds the HTTP status.
[[nodiscard]] Error toError(const ServiceError& error);

} // namespace pfa::server
