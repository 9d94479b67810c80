#pragma once

#include "model/Error.h"

#include <QByteArray>
#include <QString>
#include <QUrl>

#include <chrono>

namespace pfa::pems {

// How PemsClient reaches one PEMS installation. Plain data; validate() before use (the
// composition root does, and PemsClient refuses every call while it is invalid).
struct PemsConfig
{
    enum class AuthScheme
    {
        ApiKeyHeader, // <apiKeyHeader>: <key>            (pems-sim's and HxGN EAM's X-Api-Key)
        Bearer,       // <bearerHeader>: Bearer <key>
    };

    // Scheme, host, port and an optional path prefix; the dialect appends its own paths
    // ("/api/pems/..."). No query, fragment or user info.
    QUrl baseUrl;
    AuthScheme authScheme = AuthScheme::ApiKeyHeader;
    QString apiKey; // secret: never logged (requests log "<header>: ***")
    QByteArray apiKeyHeader = "X-Api-Key";
    QByteArray bearerHeader = "Authorization";

    // Sent only when the value is not empty (HxGN EAM installations use both).
    QByteArray tenantHeader = "tenant";
    QString tenant;
    QByteArray organizationHeader = "organization";
    QString organization;

    QByteArray idempotencyHeader = "Idempotency-Key";

    // Qt's transfer timeout: the request fails when no data moves for this long (an inactivity
    // timeout, not a cap on the whole exchange).
    std::chrono::milliseconds timeout{30000};

    // http:// sends the key in clear text, so it is accepted only for loopback hosts (localhost,
    // 127.0.0.0/8, ::1) unless this is set, e.g. for a staging pems-sim on another machine.
    bool allowInsecureHttp = false;

    // The first problem found, naming the member in Error::field; Config errors.
    [[nodiscard]] Expected<void> validate() const;
};

} // namespace pfa::pems
