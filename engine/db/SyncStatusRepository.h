#pragma once

#include "model/Error.h"

#include <QDateTime>
#include <QSqlDatabase>
#include <chrono>
#include <optional>

namespace pfa::db {

struct SyncStatusFilter
{
    std::optional<qint64> organizationId;
    std::optional<QDateTime> since; // queue items created at or after
    std::optional<QDateTime> until; // … and before
};

// The sync-status aggregate of spec/ (GET /api/pems/sync-status) over the outbox.
struct SyncStatusSummary
{
    qint64 pending = 0;
    qint64 processing = 0;
    qint64 completed = 0;
    qint64 failed = 0;     // dead letters: failed for any reason but a conflict
    qint64 conflicts = 0;  // waiting for a person's decision
    qint64 autoMerged = 0; // rebased automatically on PEMS' newer version
    std::optional<std::chrono::milliseconds> averageSyncTime; // commit → completed
    std::optional<QDateTime> lastSyncAt;
    std::optional<QDateTime> oldestOpenAt; // the oldest item not yet settled
};

class SyncStatusRepository final
{
public:
    explicit SyncStatusRepository(QSqlDatabase db);

    [[nodiscard]] Expected<SyncStatusSummary> summary(const SyncStatusFilter& filter = {}) const;

private:
    QSqlDatabase m_db;
};

} // namespace pfa::db
