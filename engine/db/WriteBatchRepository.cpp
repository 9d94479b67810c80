#include "db/WriteBatchRepository.h"

#include "db/ConflictRepository.h"
#include "db/Sql.h"
#include "db/Transaction.h"
#include "model/JsonWrite.h"
#include "model/PfaField.h"

#include <QSqlQuery>
#include <QStringList>
#include <set>

using namespace Qt::StringLiterals;

namespace pfa::db {

namespace {

// The event JSON of DESIGN "Events", built by the statement itself so a batch notifies in one
// round trip; `rows` must expose organization_id, pfa_id, id, queue_id, conflict_id, job_id.
QString eventJson(const QString& type, const QString& status)
{
    return u"json_build_object('type', "_s + type +
           u", 'organizationId', s.organization_id,"
           " 'pfaId', s.pfa_id, 'modificationId', s.id, 'queueId', s.queue_id,"
           " 'conflictId', s.conflict_id, 'jobId', s.job_id, 'status', "_s +
           status +
           u", 'at', to_char(clock_timestamp() AT TIME ZONE 'UTC',"
           " 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"'))::text"_s;
}

// Catalog order for changed_fields, as MirrorRepository writes them.
QString catalogArray()
{
    QStringList names;
    for (const auto& spec : model::allFieldSpecs())
        names << QString::fromLatin1(spec.wireName.data(), qsizetype(spec.wireName.size()));
    return u"{"_s + names.join(u',') + u"}"_s;
}

QString idArray(const std::vector<qint64>& ids)
{
    QStringList parts;
    parts.reserve(qsizetype(ids.size()));
    for (const qint64 id : ids)
        parts << QString::number(id);
    return u"{"_s + parts.join(u',') + u"}"_s;
}

// The queue ids of a batch as an array literal. The batch statements repeat their join with the
// JSON rows as `q.id = ANY(ids)`: the planner cannot see how many rows the JSON holds, and then
// prefers to read every held row through an index over looking the batch up by primary key. For
// the same reason they test only `locked_by` (which migration 0009 ties to 'processing'), not the
// status: that would match idx_writequeue_lease, which keeps an entry for every claim since the
// last vacuum, and reading those cost each statement a fixed 0.3 ms or more.
template<typename Item>
QString queueIdArray(const std::vector<Item>& items)
{
    std::vector<qint64> ids;
    ids.reserve(items.size());
    for (const auto& item : items)
        ids.push_back(item.queueId);
    return idArray(ids);
}

std::string text(const QString& value)
{
    return value.toStdString();
}

Expected<ClaimedItem> claimedFromRow(const QSqlQuery& row)
{
    ClaimedItem item;
    item.queueId = row.value(0).toLongLong();
    item.modificationId = row.value(1).toLongLong();
    item.organizationId = row.value(2).toLongLong();
    item.organizationCode = row.value(3).toString();
    item.pfaId = row.value(4).toString();
    const auto operation = model::fromWire<model::Operation>(row.value(5).toString());
    const auto status = model::fromWire<model::SyncStatus>(row.value(15).toString());
    if (!operation || !status)
        return fail(ErrorCode::Database,
                    u"queue item %1 holds an unknown operation or status"_s.arg(item.queueId));
    item.operation = *operation;
    item.priority = row.value(6).toInt();
    item.retryCount = row.value(7).toInt();
    item.maxRetries = row.value(8).toInt();
    item.attemptsSoFar = row.value(9).toInt();
    item.jobId = optionalInt(row.value(10));
    item.idempotencyKey = row.value(11).toString();
    item.queuedAt = utc(row.value(12));
    item.scheduledAt = utc(row.value(13));
    item.baseVersion = row.value(14).toLongLong();
    item.modificationStatus = *status;
    auto delta = jsonColumn(row.value(16), u"pfa_modification.delta");
    if (!delta)
        return std::unexpected(delta.error());
    auto deltaMap = model::fieldMapFromJson(*delta);
    if (!deltaMap)
        return std::unexpected(deltaMap.error());
    item.delta = std::move(*deltaMap);
    item.changeReason = row.value(17).toString();
    item.author = row.value(18).toString();
    item.rollbackOfVersion = optionalInt(row.value(19));
    item.sentVersion = optionalInt(row.value(24));
    item.coalescedInto = optionalInt(row.value(25));
    item.refreshFirst = row.value(26).toBool();
    if (!row.value(20).isNull()) {
        item.mirrorId = row.value(20).toLongLong();
        item.mirrorVersion = row.value(21).toLongLong();
        item.mirrorDeleted = row.value(22).toBool();
        auto data = jsonColumn(row.value(23), u"pfa_mirror.data");
        if (!data)
            return std::unexpected(data.error());
        auto dataMap = model::fieldMapFromJson(*data);
        if (!dataMap)
            return std::unexpected(dataMap.error());
        item.mirrorData = std::move(*dataMap);
    }
    return item;
}

} // namespace

WriteBatchRepository::WriteBatchRepository(QSqlDatabase db, QString workerId)
    : m_db(std::move(db))
    , m_workerId(std::move(workerId))
{}

Expected<std::vector<ClaimedItem>> WriteBatchRepository::claim(int limit,
                                                               std::chrono::seconds lease)
{
    // Heads: the oldest open item of each record, as QueueRepository::claimCandidatesSql() (the
    // partial indexes idx_writequeue_claim and idx_writequeue_record_open serve both). Followers:
    // the due items queued behind a head, which go out with it as one request.
    //
    // The heads must come from an ordered walk of idx_writequeue_claim that stops after `limit`.
    // Whenever the statistics underrate the pending rows (a queue never analyzed yet, or one
    // analyzed while it was drained and then hit by a burst: autovacuum looks once a minute) the
    // planner prefers a bitmap scan of every pending row, runs the per-row checks on each and
    // sorts them: 25 ms instead of 1 ms per claim at 10,000 pending. Without bitmap scans, for
    // this statement only, the ordered walk is the plan whatever the statistics say.
    auto transaction = Transaction::begin(m_db);
    if (!transaction)
        return std::unexpected(transaction.error());
    if (auto planned = runStatement(m_db, u"plan the claim as an ordered walk",
                                    u"SET LOCAL enable_bitmapscan = off"_s);
        !planned)
        return std::unexpected(planned.error());
    auto query = runQuery(
        m_db, u"claim a batch of queue items",
        // The per-row checks are scalar subqueries on purpose: as plain NOT EXISTS the planner
        // turns them into anti-joins over every pending row and sorts the result, so each claim
        // cost time in proportion to the whole backlog. As filters of an index scan in claim
        // order they stop after `limit` heads.
        u"WITH heads AS ("
        "  SELECT q.id, q.organization_id, q.pfa_id FROM pfa_write_queue q"
        "   WHERE q.status = 'pending' AND q.scheduled_at <= now()"
        "     AND (SELECT NOT EXISTS (SELECT 1 FROM pfa_write_queue e"
        "                              WHERE e.organization_id = q.organization_id"
        "                                AND e.pfa_id = q.pfa_id AND e.id < q.id"
        "                                AND e.status <> 'completed'))"
        "     AND (SELECT o.write_paused_at IS NULL FROM organization o"
        "           WHERE o.id = q.organization_id)"
        "     AND NOT EXISTS (SELECT 1 FROM write_sync_control c WHERE c.paused_at IS NOT NULL)"
        "   ORDER BY q.priority DESC, q.scheduled_at, q.id"
        "   LIMIT :limit FOR UPDATE OF q SKIP LOCKED),"
        " followers AS ("
        "  SELECT f.id FROM pfa_write_queue f"
        "    JOIN heads h ON f.organization_id = h.organization_id AND f.pfa_id = h.pfa_id"
        "                AND f.id > h.id"
        "   WHERE f.status = 'pending' AND f.scheduled_at <= now()"
        "   ORDER BY f.id LIMIT :followers FOR UPDATE OF f SKIP LOCKED),"
        " picked AS (SELECT id FROM heads UNION ALL SELECT id FROM followers),"
        " claimed AS ("
        "  UPDATE pfa_write_queue q SET status = 'processing', locked_by = :worker,"
        "         locked_until = now() + make_interval(secs => :lease)"
        "    FROM picked WHERE q.id = picked.id"
        "  RETURNING q.id, q.modification_id, q.organization_id, q.pfa_id, q.operation,"
        "            q.priority, q.retry_count, q.max_retries, q.job_id, q.idempotency_key,"
        "            q.created_at, q.scheduled_at, q.sent_version, q.coalesced_into,"
        "            q.refresh_first)"
        " SELECT c.id, c.modification_id, c.organization_id, o.code, c.pfa_id, c.operation,"
        "        c.priority, c.retry_count, c.max_retries,"
        "        (SELECT count(*) FROM pfa_sync_attempt a WHERE a.queue_id = c.id),"
        "        c.job_id, c.idempotency_key::text, c.created_at, c.scheduled_at,"
        "        m.base_version, m.sync_status, m.delta::text, m.change_reason,"
        "        COALESCE(NULLIF(u.email, ''), u.display_name), m.rollback_of_version,"
        "        mi.id, mi.version, mi.deleted, mi.data::text, c.sent_version, c.coalesced_into,"
        "        c.refresh_first"
        "   FROM claimed c"
        "   JOIN pfa_modification m ON m.id = c.modification_id"
        "   JOIN app_user u ON u.id = m.user_id"
        "   JOIN organization o ON o.id = c.organization_id"
        "   LEFT JOIN pfa_mirror mi ON mi.organization_id = c.organization_id"
        "                          AND mi.pfa_id = c.pfa_id"_s,
        {{"limit"_L1, limit},
         {"followers"_L1, limit * 20},
         {"worker"_L1, m_workerId},
         {"lease"_L1, qint64(lease.count())}});
    if (!query)
        return std::unexpected(query.error());

    std::vector<ClaimedItem> items;
    while (query->next()) {
        auto item = claimedFromRow(*query);
        if (!item)
            return std::unexpected(item.error());
        items.push_back(std::move(*item));
    }
    if (auto committed = transaction->commit(); !committed)
        return std::unexpected(committed.error());

    // Group by record, each group in commit order, groups in the order their heads were chosen.
    std::map<std::pair<qint64, QString>, const ClaimedItem*> heads;
    for (const auto& item : items) {
        auto& head = heads[{item.organizationId, item.pfaId}];
        if (!head || item.queueId < head->queueId)
            head = &item;
    }
    auto headKey = [&](const ClaimedItem& item) {
        const ClaimedItem* head = heads.at({item.organizationId, item.pfaId});
        return std::make_tuple(-head->priority, head->scheduledAt, head->queueId, item.queueId);
    };
    std::vector<std::pair<std::tuple<int, QDateTime, qint64, qint64>, std::size_t>> order;
    order.reserve(items.size());
    for (std::size_t i = 0; i < items.size(); ++i)
        order.emplace_back(headKey(items[i]), i);
    std::ranges::sort(order, {}, &decltype(order)::value_type::first);
    std::vector<ClaimedItem> sorted;
    sorted.reserve(items.size());
    for (const auto& [key, index] : order)
        sorted.push_back(std::move(items[index]));
    return sorted;
}

Expected<std::vector<qint64>> WriteBatchRepository::start(const std::vector<Start>& items)
{
    if (items.empty())
        return std::vector<qint64>{};
    auto nullable = [](const std::optional<qint64>& value) {
        return value ? nlohmann::json(*value) : nlohmann::json();
    };
    nlohmann::json rows = nlohmann::json::array();
    std::vector<qint64> queueIds;
    for (const auto& start : items) {
        queueIds.push_back(start.item->queueId);
        rows.push_back({{"q", start.item->queueId},
                        {"m", start.item->modificationId},
                        {"j", nullable(start.jobId)},
                        {"sv", nullable(start.sendVersion)},
                        {"ci", nullable(start.coalescedInto)},
                        {"n", start.item->attemptsSoFar + 1}});
    }
    auto query = runQuery(
        m_db, u"start sending queue items",
        u"WITH inp AS (SELECT * FROM jsonb_to_recordset(CAST(:rows AS jsonb))"
        "               AS x(q bigint, m bigint, j bigint, sv bigint, ci bigint, n int)),"
        " qu AS (UPDATE pfa_write_queue q SET job_id = COALESCE(q.job_id, inp.j),"
        "               last_attempt_at = now(),"
        "               sent_version = COALESCE(q.sent_version, inp.sv),"
        "               coalesced_into = COALESCE(q.coalesced_into, inp.ci)"
        "          FROM inp WHERE q.id = inp.q AND q.id = ANY(CAST(:ids AS bigint[]))"
        "           AND q.locked_by = :worker RETURNING q.id),"
        " mo AS (UPDATE pfa_modification m SET sync_status = 'syncing', updated_at = now(),"
        "               job_id = COALESCE(m.job_id, inp.j)"
        "          FROM inp JOIN qu ON qu.id = inp.q"
        "         WHERE m.id = inp.m AND m.sync_status = 'queued'"
        "        RETURNING m.id, m.organization_id, m.pfa_id, m.job_id, inp.q AS queue_id,"
        "                  NULL::bigint AS conflict_id, inp.n AS attempt),"
        " au AS (INSERT INTO audit_log (actor, action, organization_id, entity, entity_id,"
        "                               before, after, details)"
        "        SELECT :actor, 'modification.syncing', mo.organization_id, 'pfa_modification',"
        "               mo.id::text, '{\"status\": \"queued\"}', '{\"status\": \"syncing\"}',"
        "               jsonb_build_object('queueId', mo.queue_id, 'attempt', mo.attempt)"
        "          FROM mo ORDER BY mo.id),"
        " ev AS (SELECT pg_notify('pfa_sync_events', "_s +
            eventJson(u"'SYNC_STARTED'"_s, u"'syncing'"_s) +
            u") FROM (SELECT * FROM mo ORDER BY id) s)"
            " SELECT id FROM mo WHERE (SELECT count(*) FROM ev) >= 0"_s,
        {{"rows"_L1, jsonText(rows)},
         {"ids"_L1, idArray(queueIds)},
         {"worker"_L1, m_workerId},
         {"actor"_L1, m_workerId}});
    if (!query)
        return std::unexpected(query.error());
    std::vector<qint64> started;
    while (query->next())
        started.push_back(query->value(0).toLongLong());
    return started;
}

Expected<int> WriteBatchRepository::complete(const std::vector<CompletedItem>& items)
{
    if (items.empty())
        return 0;
    nlohmann::json rows = nlohmann::json::array();
    for (const auto& item : items) {
        rows.push_back(
            {{"q", item.queueId},
             {"m", item.modificationId},
             {"lead", item.lead},
             {"g", item.groupSize},
             {"v", item.newVersion},
             {"t", model::jsonOf(item.pemsUpdatedAt)},
             {"d", item.lead ? model::fieldMapToJson(item.mergedDelta) : nlohmann::json()},
             {"del", item.deleted},
             {"r", item.replayed},
             {"rb", item.rollback},
             {"a", text(item.author)},
             {"n", item.attempt},
             {"s", model::jsonOf(item.startedAt)},
             {"ms", qint64(item.duration.count())},
             {"h", item.httpStatus}});
    }
    auto query = runQuery(
        m_db, u"record synced items",
        u"WITH inp AS (SELECT * FROM jsonb_to_recordset(CAST(:rows AS jsonb))"
        "               AS x(q bigint, m bigint, lead boolean, g int, v bigint,"
        "                    t timestamptz, d jsonb, del boolean, r boolean, rb boolean,"
        "                    a text, n int, s timestamptz, ms bigint, h int)),"
        " qu AS (UPDATE pfa_write_queue q SET status = 'completed', completed_at = now(),"
        "               locked_by = NULL, locked_until = NULL, last_error = NULL,"
        "               failure_class = NULL"
        "          FROM inp WHERE q.id = inp.q AND q.id = ANY(CAST(:ids AS bigint[]))"
        "           AND q.locked_by = :worker" // held: 'processing' (migration 0009)
        "        RETURNING q.id, q.organization_id, q.pfa_id),"
        " mo AS (UPDATE pfa_modification m SET sync_status = 'synced', synced_at = now(),"
        "               updated_at = now(), pems_version = inp.v, sync_error = NULL"
        "          FROM inp JOIN qu ON qu.id = inp.q"
        "         WHERE m.id = inp.m AND m.sync_status = 'syncing'"
        "        RETURNING m.id, m.organization_id, m.pfa_id, m.job_id, inp.q AS queue_id,"
        "                  NULL::bigint AS conflict_id, inp.v, inp.n, inp.r, inp.g),"
        " old AS (SELECT mi.id, mi.data, inp.q FROM pfa_mirror mi"
        "           JOIN qu ON mi.organization_id = qu.organization_id AND mi.pfa_id = qu.pfa_id"
        "           JOIN inp ON inp.q = qu.id"
        "          WHERE inp.lead AND mi.version < inp.v),"
        " mir AS (UPDATE pfa_mirror mi SET version = inp.v,"
        "                data = mi.data || COALESCE(inp.d, '{}'::jsonb),"
        "                pems_updated_at = inp.t, deleted = inp.del, pulled_at = now()"
        "           FROM old JOIN inp ON inp.q = old.q WHERE mi.id = old.id"
        "         RETURNING mi.id, mi.version, mi.data, old.data AS before, inp.d AS delta,"
        "                   inp.a AS author, inp.rb AS rollback),"
        " hi AS (INSERT INTO pfa_mirror_history (mirror_id, version, data, changed_fields,"
        "                                        source, actor)"
        "        SELECT mir.id, mir.version, mir.data,"
        "               ARRAY(SELECT e.key FROM jsonb_each(COALESCE(mir.delta, '{}'::jsonb)) e"
        "                      WHERE mir.before -> e.key IS DISTINCT FROM e.value"
        "                      ORDER BY array_position(CAST(:catalog AS text[]), e.key)),"
        "               CASE WHEN mir.rollback THEN 'rollback' ELSE 'write' END, mir.author"
        "          FROM mir),"
        " at AS (INSERT INTO pfa_sync_attempt (queue_id, attempt, started_at, finished_at,"
        "                                      http_status, outcome, duration_ms)"
        "        SELECT inp.q, inp.n, inp.s, now(), inp.h,"
        "               CASE WHEN inp.r THEN 'replayed' ELSE 'success' END, inp.ms"
        "          FROM inp JOIN qu ON qu.id = inp.q),"
        " au AS (INSERT INTO audit_log (actor, action, organization_id, entity, entity_id,"
        "                               before, after, details)"
        "        SELECT :actor, 'modification.synced', mo.organization_id, 'pfa_modification',"
        "               mo.id::text, '{\"status\": \"syncing\"}',"
        "               jsonb_build_object('status', 'synced', 'pemsVersion', mo.v),"
        "               jsonb_build_object('queueId', mo.queue_id, 'attempt', mo.n,"
        "                                  'replayed', mo.r, 'coalesced', mo.g)"
        "          FROM mo ORDER BY mo.id),"
        " ev AS (SELECT pg_notify('pfa_sync_events', "_s +
            eventJson(u"'SYNC_SUCCESS'"_s, u"'synced'"_s) +
            u") FROM (SELECT * FROM mo ORDER BY id) s)"
            " SELECT (SELECT count(*) FROM qu), (SELECT count(*) FROM ev)"_s,
        {{"rows"_L1, jsonText(rows)},
         {"ids"_L1, queueIdArray(items)},
         {"worker"_L1, m_workerId},
         {"catalog"_L1, catalogArray()},
         {"actor"_L1, m_workerId}});
    if (!query)
        return std::unexpected(query.error());
    query->next();
    return query->value(0).toInt();
}

Expected<int> WriteBatchRepository::settle(const std::vector<SettledItem>& items)
{
    if (items.empty())
        return 0;
    nlohmann::json rows = nlohmann::json::array();
    for (const auto& item : items) {
        nlohmann::json row = {
            {"q", item.queueId},
            {"m", item.modificationId},
            {"qs", item.requeue ? "pending" : "failed"},
            {"dl", qint64(item.delay.count())},
            {"sp", item.spendRetry},
            {"rk", item.newIdempotencyKey},
            {"e", text(item.error)},
            {"fc", item.failureClass ? model::jsonOf(*item.failureClass) : nlohmann::json()},
            {"mt", text(model::toWire(item.modificationStatus))},
            {"c", item.conflictId ? nlohmann::json(*item.conflictId) : nlohmann::json()}};
        if (item.attempt) {
            row["n"] = item.attempt->number;
            row["s"] = model::jsonOf(item.attempt->startedAt);
            row["ms"] = qint64(item.attempt->duration.count());
            row["h"] = item.attempt->httpStatus == 0 ? nlohmann::json()
                                                     : nlohmann::json(item.attempt->httpStatus);
            row["oc"] = text(item.attempt->outcome);
        }
        rows.push_back(std::move(row));
    }
    auto query = runQuery(
        m_db, u"record queue item outcomes",
        u"WITH inp AS (SELECT * FROM jsonb_to_recordset(CAST(:rows AS jsonb))"
        "               AS x(q bigint, m bigint, qs text, dl bigint, sp boolean, rk boolean, e "
        "text,"
        "                    fc text, mt text, c bigint, n int, s timestamptz, ms bigint,"
        "                    h int, oc text)),"
        " qu AS (UPDATE pfa_write_queue q SET status = inp.qs, locked_by = NULL,"
        "               locked_until = NULL,"
        "               scheduled_at = CASE WHEN inp.qs = 'pending'"
        "                              THEN now() + inp.dl * interval '1 millisecond'"
        "                              ELSE q.scheduled_at END,"
        "               retry_count = q.retry_count + CASE WHEN inp.sp THEN 1 ELSE 0 END,"
        "               last_error = NULLIF(inp.e, ''), failure_class = inp.fc,"
        "               idempotency_key = CASE WHEN inp.rk THEN gen_random_uuid()"
        "                                 ELSE q.idempotency_key END,"
        "               sent_version = CASE WHEN inp.rk THEN NULL ELSE q.sent_version END,"
        "               coalesced_into = CASE WHEN inp.rk THEN NULL ELSE q.coalesced_into END"
        "          FROM inp WHERE q.id = inp.q AND q.id = ANY(CAST(:ids AS bigint[]))"
        "           AND q.locked_by = :worker" // held: 'processing' (migration 0009)
        "        RETURNING q.id, q.retry_count),"
        " mo AS (UPDATE pfa_modification m SET sync_status = inp.mt, updated_at = now(),"
        "               sync_error = NULLIF(inp.e, '')"
        "          FROM inp JOIN qu ON qu.id = inp.q"
        "         WHERE m.id = inp.m AND m.sync_status = 'syncing'"
        "        RETURNING m.id, m.organization_id, m.pfa_id, m.job_id, inp.q AS queue_id,"
        "                  inp.c AS conflict_id, inp.mt, inp.e, inp.fc, inp.n, inp.dl, inp.qs,"
        "                  qu.retry_count),"
        " at AS (INSERT INTO pfa_sync_attempt (queue_id, attempt, started_at, finished_at,"
        "                                      http_status, outcome, error, duration_ms)"
        "        SELECT inp.q, inp.n, inp.s, now(), inp.h, inp.oc, NULLIF(inp.e, ''), inp.ms"
        "          FROM inp JOIN qu ON qu.id = inp.q WHERE inp.n IS NOT NULL),"
        " au AS (INSERT INTO audit_log (actor, action, organization_id, entity, entity_id,"
        "                               before, after, details)"
        "        SELECT :actor, 'modification.' || mo.mt, mo.organization_id, 'pfa_modification',"
        "               mo.id::text, '{\"status\": \"syncing\"}',"
        "               jsonb_strip_nulls(jsonb_build_object('status', mo.mt,"
        "                                                    'syncError', NULLIF(mo.e, ''))),"
        "               jsonb_strip_nulls(jsonb_build_object('queueId', mo.queue_id,"
        "                   'failureClass', mo.fc, 'attempt', mo.n, 'conflictId', mo.conflict_id,"
        "                   'retryCount', mo.retry_count,"
        "                   'retryInMs', CASE WHEN mo.qs = 'pending' THEN mo.dl END))"
        "          FROM mo ORDER BY mo.id),"
        " ev AS (SELECT pg_notify('pfa_sync_events', "_s +
            eventJson(u"CASE s.mt WHEN 'queued' THEN 'SYNC_RETRY' WHEN 'conflict' THEN "
                      "'SYNC_CONFLICT' ELSE 'SYNC_FAILED' END"_s,
                      u"s.mt"_s) +
            u") FROM (SELECT * FROM mo ORDER BY id) s)"
            " SELECT (SELECT count(*) FROM qu), (SELECT count(*) FROM ev)"_s,
        {{"rows"_L1, jsonText(rows)},
         {"ids"_L1, queueIdArray(items)},
         {"worker"_L1, m_workerId},
         {"actor"_L1, m_workerId}});
    if (!query)
        return std::unexpected(query.error());
    query->next();
    return query->value(0).toInt();
}

Expected<int> WriteBatchRepository::release(const std::vector<qint64>& queueIds)
{
    if (queueIds.empty())
        return 0;
    auto query = runQuery(m_db, u"release claimed queue items",
                          u"UPDATE pfa_write_queue SET status = 'pending', locked_by = NULL,"
                          " locked_until = NULL WHERE id = ANY(CAST(:ids AS bigint[]))"
                          " AND status = 'processing' AND locked_by = :worker"_s,
                          {{"ids"_L1, idArray(queueIds)}, {"worker"_L1, m_workerId}});
    if (!query)
        return std::unexpected(query.error());
    return query->numRowsAffected();
}

Expected<int> WriteBatchRepository::refreshed(const std::vector<qint64>& queueIds,
                                              const QString& error)
{
    if (queueIds.empty())
        return 0;
    // Re-read: claimable again at once, now planned against the mirror. Not re-read (PEMS did not
    // answer): the flag stays and the item waits like a retry, without spending one.
    auto query = runQuery(
        m_db, u"return re-read queue items",
        u"UPDATE pfa_write_queue SET status = 'pending', locked_by = NULL, locked_until = NULL,"
        " refresh_first = :failed, last_error = NULLIF(:error, ''),"
        " scheduled_at = CASE WHEN :failed THEN now() + interval '5 seconds' ELSE now() END"
        " WHERE id = ANY(CAST(:ids AS bigint[])) AND locked_by = :worker"_s,
        {{"failed"_L1, !error.isEmpty()},
         {"error"_L1, error},
         {"ids"_L1, idArray(queueIds)},
         {"worker"_L1, m_workerId}});
    if (!query)
        return std::unexpected(query.error());
    return query->numRowsAffected();
}

Expected<int> WriteBatchRepository::retire(const std::vector<qint64>& queueIds,
                                           const QString& reason)
{
    if (queueIds.empty())
        return 0;
    auto query =
        runQuery(m_db, u"close queue items whose modification left the queue",
                 u"UPDATE pfa_write_queue SET status = 'completed', completed_at = now(),"
                 " locked_by = NULL, locked_until = NULL, last_error = :reason"
                 " WHERE id = ANY(CAST(:ids AS bigint[])) AND locked_by = :worker"_s,
                 {{"ids"_L1, idArray(queueIds)}, {"reason"_L1, reason}, {"worker"_L1, m_workerId}});
    if (!query)
        return std::unexpected(query.error());
    return query->numRowsAffected();
}

Expected<RecordChanges> WriteBatchRepository::changesSince(const ClaimedItem& item) const
{
    auto query = runQuery(
        m_db, u"read what PEMS changed since the base version",
        u"SELECT h.version, h.data::text, array_to_json(h.changed_fields)::text,"
        "       EXISTS (SELECT 1 FROM pfa_modification m"
        "                WHERE m.organization_id = :org AND m.pfa_id = :pfa AND m.id < :mod"
        "                  AND m.sync_status = 'synced' AND m.pems_version = h.version)"
        "  FROM pfa_mirror_history h WHERE h.mirror_id = :mirror AND h.version >= :base"
        " ORDER BY h.version"_s,
        {{"org"_L1, item.organizationId},
         {"pfa"_L1, item.pfaId},
         {"mod"_L1, item.modificationId},
         {"mirror"_L1, item.mirrorId},
         {"base"_L1, item.baseVersion}});
    if (!query)
        return std::unexpected(query.error());
    RecordChanges changes;
    std::set<model::PfaField> foreign;
    while (query->next()) {
        const qint64 version = query->value(0).toLongLong();
        if (version == item.baseVersion) {
            auto data = jsonColumn(query->value(1), u"pfa_mirror_history.data");
            if (!data)
                return std::unexpected(data.error());
            auto map = model::fieldMapFromJson(*data);
            if (!map)
                return std::unexpected(map.error());
            changes.baseData = std::move(*map);
            continue;
        }
        if (query->value(3).toBool())
            continue; // written by us for an earlier modification of this record
        auto fields = jsonColumn(query->value(2), u"pfa_mirror_history.changed_fields");
        if (!fields)
            return std::unexpected(fields.error());
        for (const auto& name : *fields) {
            if (const auto field = model::fieldFromWire(QString::fromStdString(name)))
                foreign.insert(*field);
        }
    }
    changes.foreignChanges.assign(foreign.begin(), foreign.end());
    return changes;
}

Expected<void> WriteBatchRepository::rebase(const ClaimedItem& item, const ConflictRecord& record,
                                            const std::vector<model::PfaField>& identical)
{
    auto transaction = Transaction::begin(m_db);
    if (!transaction)
        return std::unexpected(transaction.error());
    auto moved = runQuery(
        m_db, u"rebase the modification",
        u"WITH mo AS (UPDATE pfa_modification SET base_version = :pems, updated_at = now()"
        "              WHERE id = :mod RETURNING id, organization_id, pfa_id),"
        " co AS (INSERT INTO pfa_sync_conflict (pfa_id, organization_id, modification_id,"
        "               local_version, pems_version, base_data, local_data, pems_data,"
        "               conflict_fields, status, resolution, merged_data, resolved_at)"
        "        SELECT mo.pfa_id, mo.organization_id, mo.id, :base, :pems,"
        "               CAST(:baseData AS jsonb), CAST(:local AS jsonb), CAST(:pemsData AS jsonb),"
        "               CAST(:fields AS jsonb), 'resolved_auto', 'use_local',"
        "               CAST(:local2 AS jsonb), now() FROM mo RETURNING id)"
        " INSERT INTO audit_log (actor, action, organization_id, entity, entity_id, before,"
        "                        after, details)"
        " SELECT :actor, 'modification.rebased', mo.organization_id, 'pfa_modification',"
        "        mo.id::text, jsonb_build_object('baseVersion', CAST(:base2 AS bigint)),"
        "        jsonb_build_object('baseVersion', CAST(:pems2 AS bigint)),"
        "        jsonb_build_object('conflictId', co.id, 'pemsChangedFields',"
        "                           CAST(:pemsFields AS jsonb), 'identicalFields',"
        "                           CAST(:fields2 AS jsonb))"
        "   FROM mo, co"_s,
        {{"pems"_L1, record.pemsVersion},
         {"mod"_L1, item.modificationId},
         {"base"_L1, record.baseVersion},
         {"baseData"_L1, jsonText(model::fieldMapToJson(record.baseData))},
         {"local"_L1, jsonText(model::fieldMapToJson(record.localData))},
         {"pemsData"_L1, jsonText(model::fieldMapToJson(record.pemsData))},
         {"fields"_L1, jsonText(model::jsonOf(identical))},
         {"local2"_L1, jsonText(model::fieldMapToJson(record.localData))},
         {"actor"_L1, m_workerId},
         {"base2"_L1, record.baseVersion},
         {"pems2"_L1, record.pemsVersion},
         {"pemsFields"_L1, jsonText(model::jsonOf(record.fields))},
         {"fields2"_L1, jsonText(model::jsonOf(identical))}});
    if (!moved)
        return std::unexpected(moved.error());
    return transaction->commit();
}

Expected<qint64> WriteBatchRepository::raiseConflict(const ClaimedItem& item,
                                                     const ConflictRecord& record,
                                                     std::optional<SettledItem::Attempt> attempt)
{
    auto transaction = Transaction::begin(m_db);
    if (!transaction)
        return std::unexpected(transaction.error());
    auto conflict = ConflictRepository(m_db).create({.organizationId = item.organizationId,
                                                     .pfaId = item.pfaId,
                                                     .modificationId = item.modificationId,
                                                     .localVersion = record.baseVersion,
                                                     .pemsVersion = record.pemsVersion,
                                                     .baseData = record.baseData,
                                                     .localData = record.localData,
                                                     .pemsData = record.pemsData,
                                                     .conflictFields = record.fields},
                                                    m_workerId);
    if (!conflict)
        return std::unexpected(conflict.error());
    QStringList names;
    for (const auto field : record.fields)
        names << model::wireName(field);
    auto settled = settle({{.queueId = item.queueId,
                            .modificationId = item.modificationId,
                            .requeue = false,
                            .error = u"PEMS changed the same fields since version %1: %2"_s.arg(
                                QString::number(record.baseVersion), names.join(u", "_s)),
                            .failureClass = model::FailureClass::Conflict,
                            .modificationStatus = model::SyncStatus::Conflict,
                            .conflictId = conflict->id,
                            .attempt = attempt}});
    if (!settled)
        return std::unexpected(settled.error());
    auto committed = transaction->commit();
    if (!committed)
        return std::unexpected(committed.error());
    return conflict->id;
}

namespace {

// Leased items back to pending; a modification their worker had started is queued again.
Expected<int> unlease(const QSqlDatabase& db, QStringView what, const QString& which,
                      std::initializer_list<SqlParam> params)
{
    auto query =
        runQuery(db, what,
                 u"WITH back AS (UPDATE pfa_write_queue SET status = 'pending', locked_by = NULL,"
                 "                 locked_until = NULL"
                 "               WHERE status = 'processing' AND "_s +
                     which +
                     u"              RETURNING modification_id)"
                     " , mo AS (UPDATE pfa_modification m SET sync_status = 'queued',"
                     "                 updated_at = now()"
                     "            FROM back WHERE m.id = back.modification_id"
                     "             AND m.sync_status = 'syncing'"
                     "          RETURNING m.id, m.organization_id)"
                     " , au AS (INSERT INTO audit_log (actor, action, organization_id, entity,"
                     "                                 entity_id, before, after, details)"
                     "          SELECT :actor, 'modification.queued', mo.organization_id,"
                     "                 'pfa_modification', mo.id::text,"
                     "                 '{\"status\": \"syncing\"}', '{\"status\": \"queued\"}',"
                     "                 jsonb_build_object('reason', CAST(:reason AS text))"
                     "            FROM mo)"
                     " SELECT count(*) FROM back"_s,
                 params);
    if (!query)
        return std::unexpected(query.error());
    query->next();
    return query->value(0).toInt();
}

} // namespace

Expected<int> WriteBatchRepository::reclaimExpiredLeases()
{
    return unlease(m_db, u"reclaim expired leases", u"locked_until < now()"_s,
                   {{"actor"_L1, m_workerId}, {"reason"_L1, u"lease expired"_s}});
}

Expected<int> WriteBatchRepository::releaseHeld()
{
    return unlease(
        m_db, u"release this worker's leases", u"locked_by = :worker"_s,
        {{"worker"_L1, m_workerId}, {"actor"_L1, m_workerId}, {"reason"_L1, u"worker stopped"_s}});
}

Expected<std::optional<std::chrono::milliseconds>> WriteBatchRepository::nextDue() const
{
    auto query = runQuery(
        m_db, u"find when the next queue item is due",
        u"SELECT CAST(EXTRACT(EPOCH FROM (min(q.scheduled_at) - now())) * 1000 AS bigint)"
        "  FROM pfa_write_queue q"
        " WHERE q.status = 'pending'"
        "   AND NOT EXISTS (SELECT 1 FROM pfa_write_queue e"
        "                    WHERE e.organization_id = q.organization_id"
        "                      AND e.pfa_id = q.pfa_id AND e.id < q.id"
        "                      AND e.status <> 'completed')"
        "   AND NOT EXISTS (SELECT 1 FROM organization o"
        "                    WHERE o.id = q.organization_id AND o.write_paused_at IS NOT NULL)"
        "   AND NOT EXISTS (SELECT 1 FROM write_sync_control c WHERE c.paused_at IS NOT NULL)"_s);
    if (!query)
        return std::unexpected(query.error());
    query->next();
    if (query->value(0).isNull())
        return std::optional<std::chrono::milliseconds>{};
    return std::optional<std::chrono::milliseconds>{
        std::chrono::milliseconds(std::max<qint64>(0, query->value(0).toLongLong()))};
}

Expected<int> WriteBatchRepository::pruneCompleted(std::chrono::hours age)
{
    auto query = runQuery(m_db, u"prune completed queue items",
                          u"DELETE FROM pfa_write_queue WHERE status = 'completed'"
                          " AND completed_at < now() - make_interval(hours => :hours)"_s,
                          {{"hours"_L1, int(age.count())}});
    if (!query)
        return std::unexpected(query.error());
    const int pruned = query->numRowsAffected();
    // The status tally's rows of backends that have gone (0012_status_tally.sql).
    if (auto compacted = runQuery(m_db, u"compact the status tally",
                                  u"SELECT pfa_write_queue_tally_compact()"_s);
        !compacted)
        return std::unexpected(compacted.error());
    return pruned;
}

Expected<int> WriteBatchRepository::finishSettledJobs()
{
    auto query = runQuery(m_db, u"finish settled sync jobs",
                          u"UPDATE sync_job j SET finished_at = now() WHERE finished_at IS NULL"
                          " AND EXISTS (SELECT 1 FROM pfa_modification m WHERE m.job_id = j.id)"
                          " AND NOT EXISTS (SELECT 1 FROM pfa_modification m"
                          "                  WHERE m.job_id = j.id"
                          "                    AND m.sync_status IN ('queued', 'syncing'))"_s);
    if (!query)
        return std::unexpected(query.error());
    return query->numRowsAffected();
}

} // namespace pfa::db
