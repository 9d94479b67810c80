#include "db/SyncStatusRepository.h"

#include "db/Sql.h"

using namespace Qt::StringLiterals;

namespace pfa::db {

SyncStatusRepository::SyncStatusRepository(QSqlDatabase db)
    : m_db(std::move(db))
{}

Expected<SyncStatusSummary> SyncStatusRepository::summary(const SyncStatusFilter& filter) const
{
    // One pass over the filtered queue rows; the conflict counts come from their own table.
    auto query = runQuery(
        m_db, u"compute the sync status",
        u"WITH q AS (SELECT status, failure_class, created_at, completed_at FROM pfa_write_queue"
        "            WHERE (CAST(:org AS bigint) IS NULL OR organization_id = CAST(:org2 AS "
        "bigint))"
        "              AND (CAST(:since AS timestamptz) IS NULL"
        "                   OR created_at >= CAST(:since2 AS timestamptz))"
        "              AND (CAST(:until AS timestamptz) IS NULL"
        "                   OR created_at < CAST(:until2 AS timestamptz)))"
        " SELECT count(*) FILTER (WHERE status = 'pending'),"
        "        count(*) FILTER (WHERE status = 'processing'),"
        "        count(*) FILTER (WHERE status = 'completed'),"
        "        count(*) FILTER (WHERE status = 'failed'"
        "                           AND failure_class IS DISTINCT FROM 'conflict'),"
        "        count(*) FILTER (WHERE status = 'failed' AND failure_class = 'conflict'),"
        "        CAST(avg(EXTRACT(EPOCH FROM completed_at - created_at) * 1000)"
        "             FILTER (WHERE status = 'completed') AS bigint),"
        "        max(completed_at),"
        "        min(created_at) FILTER (WHERE status IN ('pending', 'processing')),"
        "        (SELECT count(*) FROM pfa_sync_conflict c WHERE c.status = 'resolved_auto'"
        "            AND (CAST(:org3 AS bigint) IS NULL OR c.organization_id = CAST(:org4 AS "
        "bigint))"
        "            AND (CAST(:since3 AS timestamptz) IS NULL"
        "                 OR c.created_at >= CAST(:since4 AS timestamptz))"
        "            AND (CAST(:until3 AS timestamptz) IS NULL"
        "                 OR c.created_at < CAST(:until4 AS timestamptz)))"
        "   FROM q"_s,
        {{"org"_L1, nullableInt(filter.organizationId)},
         {"org2"_L1, nullableInt(filter.organizationId)},
         {"since"_L1, nullableDateTime(filter.since)},
         {"since2"_L1, nullableDateTime(filter.since)},
         {"until"_L1, nullableDateTime(filter.until)},
         {"until2"_L1, nullableDateTime(filter.until)},
         {"org3"_L1, nullableInt(filter.organizationId)},
         {"org4"_L1, nullableInt(filter.organizationId)},
         {"since3"_L1, nullableDateTime(filter.since)},
         {"since4"_L1, nullableDateTime(filter.since)},
         {"until3"_L1, nullableDateTime(filter.until)},
         {"until4"_L1, nullableDateTime(filter.until)}});
    if (!query)
        return std::unexpected(query.error());
    query->next();
    SyncStatusSummary summary;
    summary.pending = query->value(0).toLongLong();
    summary.processing = query->value(1).toLongLong();
    summary.completed = query->value(2).toLongLong();
    summary.failed = query->value(3).toLongLong();
    summary.conflicts = query->value(4).toLongLong();
    if (const auto average = optionalInt(query->value(5)))
        summary.averageSyncTime = std::chrono::milliseconds(*average);
    summary.lastSyncAt = optionalDateTime(query->value(6));
    summary.oldestOpenAt = optionalDateTime(query->value(7));
    summary.autoMerged = query->value(8).toLongLong();
    return summary;
}

} // namespace pfa::db
