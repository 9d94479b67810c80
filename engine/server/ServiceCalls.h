#pragma once

#include "model/Conflict.h"
#include "model/Error.h"
#include "model/FieldValue.h"
#include "model/Resolution.h"
#include "model/SyncStatus.h"

#include <QDateTime>
#include <QString>
#include <QUrlQuery>

#include <nlohmann/json.hpp>

#include <optional>
#include <vector>

namespace pfa::server {

// The requests and answers of ServiceClient's typed calls, one pair per route of docs/api.md.
// They live together because each is a few plain fields and only ServiceClient builds or reads
// them. Reading an answer is strict about the types of the fields it knows and ignores fields it
// does not, so a newer service can add to an answer without breaking an older console.

// POST /api/pems/write-sync
struct WriteSyncRequest
{
    qint64 organizationId = 0;
    std::vector<qint64> modificationIds;
    std::optional<int> priority;

    [[nodiscard]] nlohmann::json toJson() const;
};
struct WriteSyncAccepted
{
    qint64 jobId = 0;
    qint64 queuedCount = 0;
    qint64 committedCount = 0;
    QDateTime estimatedCompletionTime;

    [[nodiscard]] static Expected<WriteSyncAccepted> fromJson(const nlohmann::json& json);
};

// GET /api/pems/sync-status
struct SyncStatusQuery
{
    std::optional<qint64> organizationId; // required unless the caller is an administrator
    std::optional<QString> status;        // pending, processing, completed, failed, conflict
    std::optional<QDateTime> startDate;
    std::optional<QDateTime> endDate;

    [[nodiscard]] QUrlQuery toQuery() const;
};
struct SyncStatusReport
{
    qint64 totalQueued = 0;
    qint64 processing = 0;
    qint64 completed = 0;
    qint64 failed = 0;
    qint64 conflicts = 0;
    qint64 autoMerged = 0;
    std::optional<qint64> avgSyncTimeMs;
    std::optional<QDateTime> lastSyncAt;
    QDateTime nextSyncAt;
    std::optional<QDateTime> oldestPendingAt;
    QString health; // healthy, degraded, unhealthy, unknown
    std::optional<QString> status;
    std::optional<qint64> count;

    [[nodiscard]] static Expected<SyncStatusReport> fromJson(const nlohmann::json& json);
};

// GET /api/pems/conflicts
struct ConflictQuery
{
    std::optional<qint64> organizationId;
    std::optional<QString> status; // unresolved (the service's default), resolved_auto, … or all
    std::optional<int> limit;
    std::optional<int> offset;

    [[nodiscard]] QUrlQuery toQuery() const;
};
struct ConflictPage
{
    std::vector<model::Conflict> conflicts;
    qint64 total = 0; // every match, not only this page

    [[nodiscard]] static Expected<ConflictPage> fromJson(const nlohmann::json& json);
};

// POST /api/pems/conflicts/{id}/resolve
struct ResolveRequest
{
    model::Resolution resolution = model::Resolution::UsePems;
    std::optional<model::FieldMap> mergedData; // merge only: a value per conflicting field

    [[nodiscard]] nlohmann::json toJson() const;
};
struct ResolveOutcome
{
    qint64 conflictId = 0;
    QDateTime resolvedAt;
    model::FieldMap appliedChanges;
    model::SyncStatus modificationStatus = model::SyncStatus::Queued;

    [[nodiscard]] static Expected<ResolveOutcome> fromJson(const nlohmann::json& json);
};

// POST /api/pems/worker/pause and /resume
struct WorkerSwitchState
{
    bool paused = false;
    std::optional<qint64> organizationId; // nullopt: every organization

    [[nodiscard]] static Expected<WorkerSwitchState> fromJson(const nlohmann::json& json);
};

// GET /health
struct Liveness
{
    QString status;
    QString version;

    [[nodiscard]] static Expected<Liveness> fromJson(const nlohmann::json& json);
};

// GET /health/write-sync: 200 and 503 are both answers; the body has more than the console shows
// today, so it is kept whole.
struct WriteSyncHealth
{
    bool healthy = false;
    nlohmann::json body;

    [[nodiscard]] static Expected<WriteSyncHealth> fromJson(const nlohmann::json& json);
};

} // namespace pfa::server
