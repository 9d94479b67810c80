#pragma once

#include "model/Error.h"

#include <QDateTime>
#include <QSqlDatabase>
#include <QSqlQuery>
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

    // Without a date range from the tally the queue's triggers keep (constant time); with one, by
    // folding the range's rows. Both give the same figures for the same rows.
    [[nodiscard]] Expected<SyncStatusSummary> summary(const SyncStatusFilter& filter = {}) const;
    // Always by folding the rows: what the tally must agree with (tests).
    [[nodiscard]] Expected<SyncStatusSummary> scannedSummary(const SyncStatusFilter& filter) const;

private:
    [[nodiscard]] Expected<SyncStatusSummary> talliedSummary(const SyncStatusFilter& filter) const;
    [[nodiscard]] static SyncStatusSummary fromRow(QSqlQuery& query);

    QSqlDatabase m_db;
};

} // namespace pfa::db
