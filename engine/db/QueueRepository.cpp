#include "db/QueueRepository.h"

#include "db/Sql.h"
#include "db/Transaction.h"

#include <QStringList>

using namespace Qt::StringLiterals;

namespace pfa::db {

namespace {

const QString Columns =
    u"q.id, q.modification_id, q.organization_id, q.pfa_id, q.operation, q.payload::text, q.status,"
    " q.priority, q.retry_count, q.max_retries, q.last_attempt_at, COALESCE(q.last_error, ''),"
    " q.failure_class, q.scheduled_at, q.completed_at, q.created_at, q.job_id,"
    " q.idempotency_key::text, COALESCE(q.locked_by, ''), q.locked_until"_s;

// What makes a failed item a dead letter: conflicts are resolved, not retried.
const QString DeadLetter = u"q.status = 'failed' AND q.failure_class IS DISTINCT FROM 'conflict'"_s;

// bigint[] travels as its text form ("{1,2}") built from numbers only, bound as a parameter.
QString bigintArray(const std::vector<qint64>& ids)
{
    QStringList numbers;
    for (const qint64 id : ids)
        numbers.append(QString::number(id));
    return u"{"_s + numbers.join(u',') + u"}"_s;
}

Expected<model::QueueItem> itemFromRow(const QSqlQuery& row)
{
    auto payload = jsonColumn(row.value(5), u"pfa_write_queue.payload");
    if (!payload)
        return std::unexpected(payload.error());
    const auto operation = model::fromWire<model::Operation>(row.value(4).toString());
    const auto status = model::fromWire<model::QueueStatus>(row.value(6).toString());
    if (!operation || !status)
        return fail(ErrorCode::Database,
                    u"pfa_write_queue row %1 holds an unknown operation or status"_s.arg(
                        row.value(0).toLongLong()));
    std::optional<model::FailureClass> failureClass;
    if (!row.value(12).isNull())
        failureClass = model::fromWire<model::FailureClass>(row.value(12).toString());
    return model::QueueItem{.id = row.value(0).toLongLong(),
                            .modificationId = row.value(1).toLongLong(),
                            .organizationId = row.value(2).toLongLong(),
                            .pfaId = row.value(3).toString(),
                            .operation = *operation,
                            .payload = std::move(*payload),
                            .status = *status,
                            .priority = row.value(7).toInt(),
                            .retryCount = row.value(8).toInt(),
                            .maxRetries = row.value(9).toInt(),
                            .lastAttemptAt = optionalDateTime(row.value(10)),
                            .lastError = row.value(11).toString(),
                            .failureClass = failureClass,
                            .scheduledAt = utc(row.value(13)),
                            .completedAt = optionalDateTime(row.value(14)),
                            .createdAt = utc(row.value(15)),
                            .jobId = optionalInt(row.value(16)),
                            .idempotencyKey = row.value(17).toString(),
                            .lockedBy = row.value(18).toString(),
                            .lockedUntil = optionalDateTime(row.value(19))};
}

Expected<std::vector<model::QueueItem>> itemsFrom(QSqlQuery& query)
{
    std::vector<model::QueueItem> items;
    while (query.next()) {
        auto item = itemFromRow(query);
        if (!item)
            return std::unexpected(item.error());
        items.push_back(std::move(*item));
    }
    return items;
}

} // namespace

QueueRepository::QueueRepository(QSqlDatabase db)
    : m_db(std::move(db))
{}

Expected<model::QueueItem> QueueRepository::enqueue(const NewQueueItem& item) const
{
    auto query = runQuery(
        m_db, u"queue the modification",
        u"INSERT INTO pfa_write_queue AS q (modification_id, organization_id, pfa_id, operation,"
        " payload, priority, max_retries, job_id) VALUES (:modification, :org, :pfa, :operation,"
        " CAST(:payload AS jsonb), :priority, :maxRetries, :job) RETURNING "_s +
            Columns,
        {{"modification"_L1, item.modificationId},
         {"org"_L1, item.organizationId},
         {"pfa"_L1, item.pfaId},
         {"operation"_L1, model::toWire(item.operation)},
         {"payload"_L1, jsonText(item.payload)},
         {"priority"_L1, item.priority},
         {"maxRetries"_L1, item.maxRetries},
         {"job"_L1, nullableInt(item.jobId)}});
    if (!query)
        return std::unexpected(query.error());
    query->next();
    return itemFromRow(*query);
}

QString QueueRepository::claimCandidatesSql()
{
    return u"SELECT q.id FROM pfa_write_queue q"
           " WHERE q.status = 'pending' AND q.scheduled_at <= now()"
           "   AND NOT EXISTS (SELECT 1 FROM pfa_write_queue e"
           "                    WHERE e.organization_id = q.organization_id"
           "                      AND e.pfa_id = q.pfa_id AND e.id < q.id"
           "                      AND e.status <> 'completed')"
           " ORDER BY q.priority DESC, q.scheduled_at, q.id"
           " LIMIT :limit FOR UPDATE OF q SKIP LOCKED"_s;
}

Expected<std::vector<model::QueueItem>> QueueRepository::claim(const QString& workerId, int limit,
                                                               std::chrono::seconds lease) const
{
    auto query = runQuery(
        m_db, u"claim queue items",
        u"WITH candidates AS ("_s + claimCandidatesSql() +
            u") UPDATE pfa_write_queue q SET status = 'processing', locked_by = :worker,"
            " locked_until = now() + make_interval(secs => :lease)"
            " FROM candidates c WHERE q.id = c.id RETURNING "_s +
            Columns,
        {{"limit"_L1, limit}, {"worker"_L1, workerId}, {"lease"_L1, qint64(lease.count())}});
    if (!query)
        return std::unexpected(query.error());
    auto items = itemsFrom(*query);
    if (items)
        std::ranges::sort(*items, [](const model::QueueItem& a, const model::QueueItem& b) {
            if (a.priority != b.priority)
                return a.priority > b.priority; // RETURNING has no order: restore claim order
            return std::tie(a.scheduledAt, a.id) < std::tie(b.scheduledAt, b.id);
        });
    return items;
}

Expected<int> QueueRepository::reclaimExpiredLeases() const
{
    auto query =
        runQuery(m_db, u"reclaim expired leases",
                 u"UPDATE pfa_write_queue SET status = 'pending', locked_by = NULL,"
                 " locked_until = NULL WHERE status = 'processing' AND locked_until < now()"_s);
    if (!query)
        return std::unexpected(query.error());
    return query->numRowsAffected();
}

Expected<model::QueueItem> QueueRepository::find(qint64 id) const
{
    auto query = runQuery(m_db, u"read the queue item",
                          u"SELECT "_s + Columns + u" FROM pfa_write_queue q WHERE q.id = :id"_s,
                          {{"id"_L1, id}});
    if (!query)
        return std::unexpected(query.error());
    if (!query->next())
        return fail(ErrorCode::NotFound, u"queue item %1 does not exist"_s.arg(id));
    return itemFromRow(*query);
}

Expected<std::map<qint64, qint64>>
QueueRepository::organizationsOf(const std::vector<qint64>& ids) const
{
    auto query = runQuery(m_db, u"read the queue items' organizations",
                          u"SELECT id, organization_id FROM pfa_write_queue"
                          " WHERE id = ANY(CAST(:ids AS bigint[]))"_s,
                          {{"ids"_L1, bigintArray(ids)}});
    if (!query)
        return std::unexpected(query.error());
    std::map<qint64, qint64> organizations;
    while (query->next())
        organizations[query->value(0).toLongLong()] = query->value(1).toLongLong();
    return organizations;
}

Expected<QueuePage> QueueRepository::page(const QueueFilter& filter) const
{
    const QString where =
        u" FROM pfa_write_queue q WHERE q.organization_id = ANY(CAST(:orgs AS bigint[]))"
        " AND (COALESCE(CAST(:status AS text), '') = '' OR q.status = CAST(:status2 AS text))"
        " AND (COALESCE(CAST(:pfa AS text), '') = '' OR q.pfa_id = CAST(:pfa2 AS text))"_s +
        (filter.deadLettersOnly ? u" AND "_s + DeadLetter : QString());
    const QString organizations = bigintArray(filter.organizationIds);
    const QString status = filter.status ? model::toWire(*filter.status) : QString();
#define PFA_QUEUE_FILTER_PARAMS                                                                    \
    {"orgs"_L1, organizations}, {"status"_L1, status}, {"status2"_L1, status},                     \
        {"pfa"_L1, filter.pfaId},                                                                  \
    {                                                                                              \
        "pfa2"_L1, filter.pfaId                                                                    \
    }
    auto query = runQuery(
        m_db, u"list queue items",
        u"SELECT "_s + Columns +
            u", (SELECT count(*) FROM pfa_sync_attempt a WHERE a.queue_id = q.id)"_s + where +
            (filter.newestFirst ? u" ORDER BY q.id DESC"_s : u" ORDER BY q.id"_s) +
            u" LIMIT :limit OFFSET :offset"_s,
        {PFA_QUEUE_FILTER_PARAMS, {"limit"_L1, filter.limit}, {"offset"_L1, filter.offset}});
    if (!query)
        return std::unexpected(query.error());
    QueuePage page;
    while (query->next()) {
        auto item = itemFromRow(*query);
        if (!item)
            return std::unexpected(item.error());
        page.entries.push_back(
            {.item = std::move(*item), .attemptCount = query->value(20).toLongLong()});
    }
    auto counted = runQuery(m_db, u"count queue items", u"SELECT count(*)"_s + where,
                            {PFA_QUEUE_FILTER_PARAMS});
#undef PFA_QUEUE_FILTER_PARAMS
    if (!counted)
        return std::unexpected(counted.error());
    counted->next();
    page.total = counted->value(0).toLongLong();
    return page;
}

Expected<model::QueueItem> QueueRepository::requeueResolved(qint64 modificationId,
                                                            const nlohmann::json& payload) const
{
    // An UPDATE does not fire the insert trigger that wakes workers (migration 0008): notify.
    auto query = runQuery(
        m_db, u"requeue the resolved item",
        u"WITH q AS (UPDATE pfa_write_queue SET status = 'pending', scheduled_at = now(),"
        "            payload = CAST(:payload AS jsonb), retry_count = 0, last_error = NULL,"
        "            failure_class = NULL, idempotency_key = gen_random_uuid(),"
        "            sent_version = NULL, coalesced_into = NULL"
        "      WHERE modification_id = :modification AND status = 'failed' RETURNING *),"
        " wake AS (SELECT pg_notify('pfa_sync_work', 'queued') FROM q)"
        " SELECT "_s +
            Columns + u" FROM q WHERE (SELECT count(*) FROM wake) >= 0"_s,
        {{"payload"_L1, jsonText(payload)}, {"modification"_L1, modificationId}});
    if (!query)
        return std::unexpected(query.error());
    if (!query->next())
        return fail(ErrorCode::Conflict,
                    u"modification %1 has no failed queue item to requeue"_s.arg(modificationId));
    return itemFromRow(*query);
}

Expected<std::vector<model::QueueItem>>
QueueRepository::deadLetters(std::optional<qint64> organizationId,
                             std::optional<model::FailureClass> failureClass) const
{
    auto query = runQuery(
        m_db, u"list dead letters",
        u"SELECT "_s + Columns + u" FROM pfa_write_queue q WHERE "_s + DeadLetter +
            u" AND (CAST(:org AS bigint) IS NULL OR q.organization_id = :org)"
            " AND (CAST(:class AS text) IS NULL OR q.failure_class = :class)"
            " ORDER BY q.id"_s,
        {{"org"_L1, organizationId ? QVariant(*organizationId) : QVariant()},
         {"class"_L1, failureClass ? QVariant(model::toWire(*failureClass)) : QVariant()}});
    if (!query)
        return std::unexpected(query.error());
    std::vector<model::QueueItem> items;
    while (query->next()) {
        auto item = itemFromRow(*query);
        if (!item)
            return std::unexpected(item.error());
        items.push_back(std::move(*item));
    }
    return items;
}

Expected<model::QueueItem> QueueRepository::lockDeadLetter(qint64 id) const
{
    auto query =
        runQuery(m_db, u"lock the dead letter",
                 u"SELECT "_s + Columns + u" FROM pfa_write_queue q WHERE q.id = :id FOR UPDATE"_s,
                 {{"id"_L1, id}});
    if (!query)
        return std::unexpected(query.error());
    if (!query->next())
        return fail(ErrorCode::NotFound, u"queue item %1 does not exist"_s.arg(id));
    auto item = itemFromRow(*query);
    if (!item)
        return item;
    if (item->status != model::QueueStatus::Failed ||
        item->failureClass == model::FailureClass::Conflict)
        return fail(
            ErrorCode::Conflict,
            u"queue item %1 is not a dead letter (it is %2%3)"_s.arg(id).arg(
                model::toWire(item->status), item->failureClass == model::FailureClass::Conflict
                                                 ? u", a conflict to resolve"_s
                                                 : QString()));
    return item;
}

Expected<model::QueueItem> QueueRepository::redrive(qint64 id) const
{
    // An UPDATE does not fire the insert trigger that wakes workers (migration 0008): notify.
    auto query =
        runQuery(m_db, u"redrive the dead letter",
                 u"WITH q AS (UPDATE pfa_write_queue SET status = 'pending', scheduled_at = now(),"
                 "            retry_count = 0, last_error = NULL, failure_class = NULL,"
                 "            idempotency_key = gen_random_uuid(), sent_version = NULL,"
                 "            coalesced_into = NULL, refresh_first = true"
                 "      WHERE id = :id AND status = 'failed' RETURNING *),"
                 " wake AS (SELECT pg_notify('pfa_sync_work', 'queued') FROM q)"
                 " SELECT "_s +
                     Columns + u" FROM q WHERE (SELECT count(*) FROM wake) >= 0"_s,
                 {{"id"_L1, id}});
    if (!query)
        return std::unexpected(query.error());
    if (!query->next())
        return fail(ErrorCode::Conflict, u"queue item %1 is not a dead letter"_s.arg(id));
    return itemFromRow(*query);
}

Expected<model::QueueItem> QueueRepository::closeUnsent(qint64 modificationId,
                                                        const QString& reason) const
{
    auto query = runQuery(
        m_db, u"close the unsent item",
        u"WITH q AS (UPDATE pfa_write_queue SET status = 'completed', completed_at = now(),"
        "            last_error = :reason, failure_class = NULL"
        "      WHERE modification_id = :modification AND status = 'failed' RETURNING *),"
        " wake AS (SELECT pg_notify('pfa_sync_work', 'queued') FROM q)"
        " SELECT "_s +
            Columns + u" FROM q WHERE (SELECT count(*) FROM wake) >= 0"_s,
        {{"reason"_L1, reason}, {"modification"_L1, modificationId}});
    if (!query)
        return std::unexpected(query.error());
    if (!query->next())
        return fail(ErrorCode::Conflict,
                    u"modification %1 has no failed queue item to close"_s.arg(modificationId));
    return itemFromRow(*query);
}

Expected<std::map<model::QueueStatus, qint64>>
QueueRepository::countsByStatus(std::optional<qint64> organizationId) const
{
    auto query = runQuery(
        m_db, u"count queue items",
        u"SELECT status, count(*) FROM pfa_write_queue"
        " WHERE CAST(:org AS bigint) IS NULL OR organization_id = CAST(:org2 AS bigint)"
        " GROUP BY status"_s,
        {{"org"_L1, nullableInt(organizationId)}, {"org2"_L1, nullableInt(organizationId)}});
    if (!query)
        return std::unexpected(query.error());
    std::map<model::QueueStatus, qint64> counts;
    for (const auto& [status, name] : model::WireNames<model::QueueStatus>::table)
        counts[status] = 0;
    while (query->next()) {
        if (const auto status = model::fromWire<model::QueueStatus>(query->value(0).toString()))
            counts[*status] = query->value(1).toLongLong();
    }
    return counts;
}

} // namespace pfa::db
