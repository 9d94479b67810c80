#include "db/JobHistoryRepository.h"

#include "db/AttemptRepository.h"
#include "db/Sql.h"

#include <QStringList>

using namespace Qt::StringLiterals;

namespace pfa::db {

namespace {
// The job's columns, then status and counts derived from its queue items (never stored).
const QString Summary =
    u"SELECT j.id, j.organization_id, j.trigger, j.requested_by, j.created_at, j.finished_at,"
    " CASE WHEN c.open > 0 THEN 'running' WHEN c.failed > 0 THEN 'failed' ELSE 'completed' END,"
    " c.items, c.completed, c.failed"
    " FROM sync_job j CROSS JOIN LATERAL ("
    "   SELECT count(*) AS items,"
    "          count(*) FILTER (WHERE q.status IN ('pending', 'processing')) AS open,"
    "          count(*) FILTER (WHERE q.status = 'completed') AS completed,"
    "          count(*) FILTER (WHERE q.status = 'failed') AS failed"
    "   FROM pfa_write_queue q WHERE q.job_id = j.id) c"_s;

const QString Where =
    u" WHERE j.organization_id = ANY(CAST(:orgs AS bigint[]))"
    "   AND (COALESCE(CAST(:trigger AS text), '') = '' OR j.trigger = CAST(:trigger2 AS text))"
    "   AND (CAST(:from AS timestamptz) IS NULL OR j.created_at >= CAST(:from2 AS timestamptz))"
    "   AND (CAST(:to AS timestamptz) IS NULL OR j.created_at < CAST(:to2 AS timestamptz))"_s;

Expected<JobSummary> summaryFromRow(const QSqlQuery& row)
{
    const auto trigger = model::fromWire<model::JobTrigger>(row.value(2).toString());
    if (!trigger)
        return fail(ErrorCode::Database,
                    u"sync_job row %1 has an unknown trigger"_s.arg(row.value(0).toLongLong()));
    return JobSummary{.job = {.id = row.value(0).toLongLong(),
                              .organizationId = row.value(1).toLongLong(),
                              .trigger = *trigger,
                              .requestedBy = optionalInt(row.value(3)),
                              .createdAt = utc(row.value(4)),
                              .finishedAt = optionalDateTime(row.value(5))},
                      .status = row.value(6).toString(),
                      .itemCount = row.value(7).toLongLong(),
                      .completedCount = row.value(8).toLongLong(),
                      .failedCount = row.value(9).toLongLong()};
}
} // namespace

JobHistoryRepository::JobHistoryRepository(QSqlDatabase db)
    : m_db(std::move(db))
{}

Expected<JobPage> JobHistoryRepository::list(const JobFilter& filter) const
{
    QStringList ids;
    for (const qint64 id : filter.organizationIds)
        ids.append(QString::number(id));
    const QString trigger = filter.trigger ? model::toWire(*filter.trigger) : QString();
    const QString organizations = u"{"_s + ids.join(u',') + u"}"_s;
    // The derived status is filtered on the outer query, after it is computed.
    const QString filtered = u"SELECT * FROM ("_s + Summary + Where +
                             u") s(id, organization_id, trigger, requested_by, created_at,"
                             " finished_at, status, items, completed, failed)"
                             " WHERE (COALESCE(CAST(:status AS text), '') = ''"
                             "        OR s.status = CAST(:status2 AS text))"_s;
#define PFA_JOB_FILTER_PARAMS                                                                      \
    {"orgs"_L1, organizations}, {"trigger"_L1, trigger}, {"trigger2"_L1, trigger},                 \
        {"from"_L1, nullableDateTime(filter.from)}, {"from2"_L1, nullableDateTime(filter.from)},   \
        {"to"_L1, nullableDateTime(filter.to)}, {"to2"_L1, nullableDateTime(filter.to)},           \
        {"status"_L1, filter.status},                                                              \
    {                                                                                              \
        "status2"_L1, filter.status                                                                \
    }
    auto query = runQuery(
        m_db, u"list sync jobs", filtered + u" ORDER BY s.id DESC LIMIT :limit OFFSET :offset"_s,
        {PFA_JOB_FILTER_PARAMS, {"limit"_L1, filter.limit}, {"offset"_L1, filter.offset}});
    if (!query)
        return std::unexpected(query.error());
    JobPage page;
    while (query->next()) {
        auto summary = summaryFromRow(*query);
        if (!summary)
            return std::unexpected(summary.error());
        page.jobs.push_back(std::move(*summary));
    }
    auto counted =
        runQuery(m_db, u"count sync jobs", u"SELECT count(*) FROM ("_s + filtered + u") t"_s,
                 {PFA_JOB_FILTER_PARAMS});
#undef PFA_JOB_FILTER_PARAMS
    if (!counted)
        return std::unexpected(counted.error());
    counted->next();
    page.total = counted->value(0).toLongLong();
    return page;
}

Expected<JobSummary> JobHistoryRepository::summary(qint64 jobId) const
{
    auto query =
        runQuery(m_db, u"read the sync job", Summary + u" WHERE j.id = :id"_s, {{"id"_L1, jobId}});
    if (!query)
        return std::unexpected(query.error());
    if (!query->next())
        return fail(ErrorCode::NotFound, u"sync job %1 does not exist"_s.arg(jobId));
    return summaryFromRow(*query);
}

Expected<std::vector<JobItem>> JobHistoryRepository::items(qint64 jobId) const
{
    auto query = runQuery(m_db, u"read the sync job's items",
                          u"SELECT id, modification_id, pfa_id, operation, status,"
                          " COALESCE(last_error, '') FROM pfa_write_queue"
                          " WHERE job_id = :job ORDER BY id"_s,
                          {{"job"_L1, jobId}});
    if (!query)
        return std::unexpected(query.error());
    std::vector<JobItem> items;
    while (query->next()) {
        items.push_back({.queueId = query->value(0).toLongLong(),
                         .modificationId = query->value(1).toLongLong(),
                         .pfaId = query->value(2).toString(),
                         .operation = query->value(3).toString(),
                         .status = query->value(4).toString(),
                         .error = query->value(5).toString(),
                         .attempts = {}});
    }
    const AttemptRepository attempts(m_db);
    for (auto& item : items) {
        auto history = attempts.forQueueItem(item.queueId);
        if (!history)
            return std::unexpected(history.error());
        item.attempts = std::move(*history);
    }
    return items;
}

} // namespace pfa::db
