#pragma once

#include "model/Error.h"

#include <QDateTime>
#include <QString>
#include <QtGlobal>

#include <nlohmann/json.hpp>

#include <optional>

namespace pfa::model {

// One append-only audit_log row; before/after/details are free-form JSON.
struct AuditEntry
{
    qint64 id = 0;
    QDateTime at;
    QString actor;
    QString action;
    std::optional<qint64> organizationId;
    QString entity;
    QString entityId;
    nlohmann::json before;
    nlohmann::json after;
    nlohmann::json details;

    friend bool operator==(const AuditEntry&, const AuditEntry&) = default;
};

[[nodiscard]] nlohmann::json toJson(const AuditEntry& value);
[[nodiscard]] Expected<AuditEntry> auditEntryFromJson(const nlohmann::json& json);

} // namespace pfa::model
