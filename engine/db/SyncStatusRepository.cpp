#include "db/SyncStatusRepository.h"

#include "db/Sql.h"

using namespace Qt::StringLiterals;

namespace pfa::db {

SyncStatusRepository::SyncStatusRepository(QSqlDatabase db)
    : m_db(std::move(db))
{}

Expected<SyncStatusSummary> SyncStatusRepository::summary(const SyncStatusFilter& filter) const
{
    return filter.since || filter.until ? scannedSummary(filter) : talliedSummary(filter);
}

Expected<SyncStatusSummary>
SyncStatusRepository::talliedSummary(const SyncStatusFilter& filter) const
{
    // The counts from the tally the queue's triggers keep (0012_status_tally.sql); the oldest open
    // item and the latest completion by one index probe per organization.
    auto query = runQuery(
        m_db, u"compute the sync status",
        u"WITH t AS (SELECT status, conflict, sum(items) AS n, sum(busy_us) AS busy"
        "              FROM pfa_write_queue_tally"
        "             WHERE CAST(:org AS bigint) IS NULL OR organization_id = CAST(:org2 AS bigint)"
        "             GROUP BY status, conflict),"
        " o AS (SELECT id FROM organization"
        "        WHERE CAST(:org3 AS bigint) IS NULL OR id = CAST(:org4 AS bigint))"
        " SELECT CAST(COALESCE((SELECT sum(n) FROM t WHERE status = 'pending'), 0) AS bigint),"
        "        CAST(COALESCE((SELECT sum(n) FROM t WHERE status = 'processing'), 0) AS bigint),"
        "        CAST(COALESCE((SELECT sum(n) FROM t WHERE status = 'completed'), 0) AS bigint),"
        "        CAST(COALESCE((SELECT sum(n) FROM t WHERE status = 'failed' AND NOT conflict), 0)"
        "             AS bigint),"
        "        CAST(COALESCE((SELECT sum(n) FROM t WHERE status = 'failed' AND conflict), 0)"
        "             AS bigint),"
        "        CAST((SELECT sum(busy) / 1000 / NULLIF(sum(n), 0) FROM t WHERE status = "
        "'completed')"
        "             AS bigint),"
        "        (SELECT max((SELECT max(q.completed_at) FROM pfa_write_queue q"
        "                      WHERE q.organization_id = o.id AND q.status = 'completed'))"
        "           FROM o),"
        "        (SELECT min((SELECT min(q.created_at) FROM pfa_write_queue q"
        "                      WHERE q.organization_id = o.id"
        "                        AND q.status IN ('pending', 'processing')"
        // Matches idx_writequeue_open_created's predicate (see 0012_status_tally.sql).
        "                        AND q.created_at IS NOT NULL))"
        "           FROM o),"
        "        (SELECT count(*) FROM pfa_sync_conflict c WHERE c.status = 'resolved_auto'"
        "            AND (CAST(:org5 AS bigint) IS NULL OR c.organization_id = CAST(:org6 AS bigint)))"_s,
        {{"org"_L1, nullableInt(filter.organizationId)},
         {"org2"_L1, nullableInt(filter.organizationId)},
         {"org3"_L1, nullableInt(filter.organizationId)},
         {"org4"_L1, nullableInt(filter.organizationId)},
         {"org5"_L1, nullableInt(filter.organizationId)},
         {"org6"_L1, nullableInt(filter.organizationId)}});
    if (!query)
        return std::unexpected(query.error());
    return fromRow(*query);
}

Expected<SyncStatusSummary>
SyncStatusRepository::scannedSummary(const SyncStatusFilter& filter) const
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
        // Folding per (status, failure_class) first keeps the per-row work to one grouping
        // and cheap aggregates; the few groups are then combined.
        " , g AS (SELECT status, failure_class, count(*) AS n,"
        "                sum(completed_at - created_at) AS busy, max(completed_at) AS last_done,"
        "                min(created_at) AS oldest"
        "           FROM q GROUP BY status, failure_class)"
        " SELECT CAST(COALESCE(sum(n) FILTER (WHERE status = 'pending'), 0) AS bigint),"
        "        CAST(COALESCE(sum(n) FILTER (WHERE status = 'processing'), 0) AS bigint),"
        "        CAST(COALESCE(sum(n) FILTER (WHERE status = 'completed'), 0) AS bigint),"
        "        CAST(COALESCE(sum(n) FILTER (WHERE status = 'failed'"
        "                          AND failure_class IS DISTINCT FROM 'conflict'), 0) AS bigint),"
        "        CAST(COALESCE(sum(n) FILTER (WHERE status = 'failed'"
        "                                      AND failure_class = 'conflict'), 0) AS bigint),"
        "        CAST(EXTRACT(EPOCH FROM sum(busy) FILTER (WHERE status = 'completed')) * 1000"
        "             / NULLIF(sum(n) FILTER (WHERE status = 'completed'), 0) AS bigint),"
        "        max(last_done),"
        "        min(oldest) FILTER (WHERE status IN ('pending', 'processing')),"
        "        (SELECT count(*) FROM pfa_sync_conflict c WHERE c.status = 'resolved_auto'"
        "            AND (CAST(:org3 AS bigint) IS NULL OR c.organization_id = CAST(:org4 AS "
        "bigint))"
        "            AND (CAST(:since3 AS timestamptz) IS NULL"
        "                 OR c.created_at >= CAST(:since4 AS timestamptz))"
        "            AND (CAST(:until3 AS timestamptz) IS NULL"
        "                 OR c.created_at < CAST(:until4 AS timestamptz)))"
        "   FROM g"_s,
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
    return fromRow(*query);
}

SyncStatusSummary SyncStatusRepository::fromRow(QSqlQuery& query)
{
    query.next();
    SyncStatusSummary summary;
    summary.pending = query.value(0).toLongLong();
    summary.processing = query.value(1).toLongLong();
    summary.completed = query.value(2).toLongLong();
    summary.failed = query.value(3).toLongLong();
    summary.conflicts = query.value(4).toLongLong();
    if (const auto average = optionalInt(query.value(5)))
        summary.averageSyncTime = std::chrono::milliseconds(*average);
    summary.lastSyncAt = optionalDateTime(query.value(6));
    summary.oldestOpenAt = optionalDateTime(query.value(7));
    summary.autoMerged = query.value(8).toLongLong();
    return summary;
}

} // namespace pfa::db
