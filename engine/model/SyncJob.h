#pragma once

#include "model/Error.h"
#include "model/JobTrigger.h"

#include <QDateTime>
#include <QtGlobal>

#include <nlohmann/json.hpp>

#include <optional>

namespace pfa::model {

// A group of sync work started together (sync_job table); its status is derived from its items.
struct SyncJob
{
    qint64 id = 0;
    qint64 organizationId = 0;
    JobTrigger trigger = JobTrigger::Manual;
    std::optional<qint64> requestedBy;
    QDateTime createdAt;
    std::optional<QDateTime> finishedAt;

    friend bool operator==(const SyncJob&, const SyncJob&) = default;
};

[[nodiscard]] nlohmann::json toJson(const SyncJob& value);
[[nodiscard]] Expected<SyncJob> syncJobFromJson(const nlohmann::json& json);

} // namespace pfa::model
