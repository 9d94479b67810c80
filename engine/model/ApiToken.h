#pragma once

#include <QDateTime>
#include <QString>

#include <nlohmann/json.hpp>

#include <optional>

namespace pfa::model {

// A bearer token of the service API (api_token table). Only its SHA-256 is stored; the token
// itself is shown once, when it is issued.
struct ApiToken
{
    qint64 id = 0;
    qint64 userId = 0;
    QString name;
    QDateTime createdAt;
    std::optional<QDateTime> lastUsedAt;
    std::optional<QDateTime> expiresAt;
    std::optional<QDateTime> revokedAt;

    friend bool operator==(const ApiToken&, const ApiToken&) = default;
};

// Never carries the token or its hash.
[[nodiscard]] nlohmann::json toJson(const ApiToken& value);

} // namespace pfa::model
