#pragma once

#include <QDateTime>
#include <QString>

#include <nlohmann/json.hpp>

namespace pfa::model {

// One organization_api_credentials row as it may be shown: where the organization's PEMS is and
// which data key sealed its API key. The key itself (and its ciphertext) is never part of it.
struct OrganizationCredential
{
    qint64 organizationId = 0;
    QString organizationCode;
    QString pemsUrl;
    QString keyId; // DataKey::id() of the data key that sealed the API key
    QDateTime updatedAt;

    friend bool operator==(const OrganizationCredential&, const OrganizationCredential&) = default;
};

[[nodiscard]] nlohmann::json toJson(const OrganizationCredential& value);

} // namespace pfa::model
