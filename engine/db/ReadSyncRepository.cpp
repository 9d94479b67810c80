#include "db/ReadSyncRepository.h"

#include "db/EventPublisher.h"
#include "db/MirrorPageSql.h"
#include "db/Sql.h"
#include "db/Transaction.h"
#include "model/JsonWrite.h"

using namespace Qt::StringLiterals;

namespace pfa::db {

namespace {

// The advisory lock's first key ("pfrs"); the second is the organization id. The two-key form
// lives in a key space of its own, apart from the migration runner's one-key lock.
constexpr int LockNamespace = 0x70667273;

const QString EventAt = u"to_char(clock_timestamp() AT TIME ZONE 'UTC',"
                        " 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"')"_s;

Expected<void> publishReadSync(const QSqlDatabase& db, qint64 organizationId, const QString& status)
{
    return EventPublisher::publish(db, {.type = model::EventType::ReadSync,
                                        .organizationId = organizationId,
                                        .status = status,
                                        .at = QDateTime::currentDateTimeUtc()});
}

} // namespace

ReadSyncRepository::ReadSyncRepository(QSqlDatabase db)
    : m_db(std::move(db))
{}

Expected<bool> ReadSyncRepository::tryLock(qint64 organizationId) const
{
    auto query = runQuery(m_db, u"take the read sync lock",
                          u"SELECT pg_try_advisory_lock(:ns, CAST(:org AS integer))"_s,
                          {{"ns"_L1, LockNamespace}, {"org"_L1, organizationId}});
    if (!query)
        return std::unexpected(query.error());
    query->next();
    return query->value(0).toBool();
}

Expected<void> ReadSyncRepository::unlock(qint64 organizationId) const
{
    auto query = runQuery(m_db, u"release the read sync lock",
                          u"SELECT pg_advisory_unlock(:ns, CAST(:org AS integer))"_s,
                          {{"ns"_L1, LockNamespace}, {"org"_L1, organizationId}});
    if (!query)
        return std::unexpected(query.error());
    return {};
}

Expected<ReadSyncState> ReadSyncRepository::state(qint64 organizationId) const
{
    auto query = runQuery(m_db, u"read the read sync state",
                          u"SELECT watermark, run_since, cursor, run_started_at, last_run_at,"
                          " last_error, records_pulled FROM read_sync_state"
                          " WHERE organization_id = :org"_s,
                          {{"org"_L1, organizationId}});
    if (!query)
        return std::unexpected(query.error());
    ReadSyncState state{.organizationId = organizationId};
    if (!query->next())
        return state;
    state.watermark = optionalDateTime(query->value(0));
    state.runSince = optionalDateTime(query->value(1));
    state.cursor = query->value(2).toString();
    state.runStartedAt = optionalDateTime(query->value(3));
    state.lastRunAt = optionalDateTime(query->value(4));
    state.lastError = query->value(5).toString();
    state.recordsPulled = query->value(6).toLongLong();
    return state;
}

Expected<void> ReadSyncRepository::beginRun(qint64 organizationId,
                                            const std::optional<QDateTime>& runSince) const
{
    auto query =
        runQuery(m_db, u"start a read sync run",
                 u"INSERT INTO read_sync_state (organization_id, run_since, run_started_at)"
                 " VALUES (:org, :since, now())"
                 " ON CONFLICT (organization_id) DO UPDATE"
                 " SET run_since = EXCLUDED.run_since, run_started_at = now()"_s,
                 {{"org"_L1, organizationId}, {"since"_L1, nullableDateTime(runSince)}});
    if (!query)
        return std::unexpected(query.error());
    return {};
}

PreparedPage ReadSyncRepository::preparePage(const std::vector<PulledRecord>& records)
{
    nlohmann::json rows = nlohmann::json::array();
    QStringList ids;
    ids.reserve(qsizetype(records.size()));
    PreparedPage page{.records = int(records.size())};
    for (const auto& record : records) {
        // `c`: the fields a first version sets (non-null, catalog order: FieldMap's order), which
        // is its changed_fields when the mirror never held the record — the common case of a
        // first pull, worked out here rather than per row in SQL.
        nlohmann::json firstFields = nlohmann::json::array();
        if (!record.deleted) {
            for (const auto& [field, value] : record.data) {
                if (!model::isNull(value))
                    firstFields.push_back(model::wireName(field).toStdString());
            }
        }
        ids << record.pfaId;
        rows.push_back(
            {{"p", record.pfaId.toStdString()},
             {"v", record.version},
             {"t", model::jsonOf(record.updatedAt)},
             {"del", record.deleted},
             {"d", record.deleted ? nlohmann::json() : model::fieldMapToJson(record.data)},
             {"c", std::move(firstFields)}});
        if (!page.newest || record.updatedAt > *page.newest)
            page.newest = record.updatedAt;
    }
    page.rows = jsonText(rows);
    page.ids = textArrayLiteral(ids);
    return page;
}

Expected<qint64> ReadSyncRepository::sessionPid() const
{
    auto query = runQuery(m_db, u"read the session's process id", u"SELECT pg_backend_pid()"_s);
    if (!query)
        return std::unexpected(query.error());
    query->next();
    return query->value(0).toLongLong();
}

Expected<StoredPage> ReadSyncRepository::storePage(qint64 organizationId, const PreparedPage& page,
                                                   const QString& nextCursor, const QString& actor,
                                                   std::optional<qint64> lockHolder) const
{
    auto transaction = Transaction::begin(m_db);
    if (!transaction)
        return std::unexpected(transaction.error());
    if (lockHolder) {
        // The run's lock is held by another session of this run; a run whose lock session died
        // (and might have been replaced by another run) stops here instead of storing on.
        auto held = runQuery(
            m_db, u"check the read sync lock",
            u"SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory'"
            " AND classid = CAST(:ns AS oid) AND objid = CAST(:org AS oid)"
            " AND objsubid = 2 AND pid = :pid AND granted)"_s,
            {{"ns"_L1, LockNamespace}, {"org"_L1, organizationId}, {"pid"_L1, *lockHolder}});
        if (!held)
            return std::unexpected(held.error());
        held->next();
        if (!held->value(0).toBool())
            return fail(ErrorCode::Conflict,
                        u"the read sync lock of organization %1 was lost"_s.arg(organizationId));
    }

    // One statement for the page. `old` locks the rows the page touches (FOR UPDATE re-reads a
    // row a concurrent writer changed, so `before` is what is replaced); a record listed twice
    // counts with its newest version. Only newer versions are written, by both the insert and
    // the conflict arm, so a page stored twice or a version the write path stored first changes
    // nothing. A tombstone keeps the record's last values (its history stays readable).
    StoredPage stored{.received = page.records};
    if (page.records > 0) {
        auto query = runQuery(
            m_db, u"store a page of PEMS records",
            u"WITH inp AS (SELECT DISTINCT ON (x.p) x.* FROM jsonb_to_recordset(CAST(:rows AS "
            u"jsonb))"
            "               AS x(p text, v bigint, t timestamptz, del boolean, d jsonb,"
            "                    c text[])"
            "              ORDER BY x.p, x.v DESC),"
            " old AS (SELECT mi.id, mi.pfa_id, mi.version, mi.data FROM pfa_mirror mi"
            "          WHERE mi.organization_id = :org"
            "            AND mi.pfa_id = ANY(CAST(:ids AS text[])) FOR UPDATE),"
            " up AS (INSERT INTO pfa_mirror AS mi (organization_id, pfa_id, version, data,"
            "                                      pems_updated_at, deleted)"
            "        SELECT :org2, inp.p, inp.v,"
            "               CASE WHEN inp.del THEN COALESCE(old.data, '{}'::jsonb) ELSE inp.d END,"
            "               inp.t, inp.del"
            "          FROM inp LEFT JOIN old ON old.pfa_id = inp.p"
            "         WHERE old.id IS NULL OR old.version < inp.v"
            "        ON CONFLICT (organization_id, pfa_id) DO UPDATE"
            "           SET version = EXCLUDED.version, data = EXCLUDED.data,"
            "               pems_updated_at = EXCLUDED.pems_updated_at, deleted = EXCLUDED.deleted,"
            "               pulled_at = now()"
            "         WHERE mi.version < EXCLUDED.version"
            "        RETURNING mi.id, mi.pfa_id, mi.version, mi.data, mi.deleted),"
            " hi AS (INSERT INTO pfa_mirror_history (mirror_id, version, data, changed_fields,"
            "                                        source, actor)"
            "        SELECT up.id, up.version, up.data,"
            "               CASE WHEN up.deleted THEN '{}'::text[]"
            "                    WHEN old.id IS NULL THEN inp.c ELSE "_s +
                changedKeysSql(u"old.data"_s, u"up.data"_s) +
                u" END, 'pull', :actor"
                "          FROM up JOIN inp ON inp.p = up.pfa_id LEFT JOIN old ON old.id = up.id"
                "        ON CONFLICT (mirror_id, version) DO NOTHING RETURNING mirror_id),"
                // In-flight changes (syncing) are left out: PEMS' answer to their request
                // decides them, and the version a pull sees may be their own write.
                " st AS (UPDATE pfa_modification m SET stale_at = now()"
                "          FROM up"
                "         WHERE m.organization_id = :org3 AND m.pfa_id = up.pfa_id"
                "           AND m.stale_at IS NULL AND m.base_version < up.version"
                "           AND m.sync_status IN ('draft', 'committed', 'queued', 'failed')"
                "        RETURNING m.id, m.pfa_id, m.job_id, m.base_version, m.sync_status,"
                "                  up.version AS pems_version),"
                " au AS (INSERT INTO audit_log (actor, action, organization_id, entity,"
                "                               entity_id, before, after, details)"
                "        SELECT :actor2, 'modification.stale', :org4, 'pfa_modification',"
                "               st.id::text, jsonb_build_object('baseVersion', st.base_version),"
                "               jsonb_build_object('mirrorVersion', st.pems_version),"
                "               jsonb_build_object('status', st.sync_status, 'source', 'pull')"
                "          FROM st ORDER BY st.id),"
                " ev AS (SELECT pg_notify('pfa_sync_events', json_build_object("
                "               'type', 'SYNC_STALE', 'organizationId', CAST(:org5 AS bigint),"
                "               'pfaId', st.pfa_id, 'modificationId', st.id, 'queueId', NULL,"
                "               'conflictId', NULL, 'jobId', st.job_id, 'status', 'stale',"
                "               'at', "_s +
                EventAt +
                u")::text) FROM (SELECT * FROM st ORDER BY id) st)"
                " SELECT (SELECT count(*) FROM up u LEFT JOIN old ON old.id = u.id"
                "          WHERE old.id IS NULL),"
                "        (SELECT count(*) FROM up), (SELECT count(*) FROM up WHERE deleted),"
                "        (SELECT count(*) FROM st), (SELECT count(*) FROM hi),"
                "        (SELECT count(*) FROM ev)"_s,
            {{"rows"_L1, page.rows},
             {"org"_L1, organizationId},
             {"ids"_L1, page.ids},
             {"org2"_L1, organizationId},
             {"catalog"_L1, catalogArrayLiteral()},
             {"actor"_L1, actor},
             {"org3"_L1, organizationId},
             {"actor2"_L1, actor},
             {"org4"_L1, organizationId},
             {"org5"_L1, organizationId}});
        if (!query)
            return std::unexpected(query.error());
        query->next();
        stored.inserted = query->value(0).toInt();
        stored.updated = query->value(1).toInt() - stored.inserted;
        stored.tombstones = query->value(2).toInt();
        stored.staleFlagged = query->value(3).toInt();
    }

    auto moved =
        runQuery(m_db, u"move the read sync state past a page",
                 u"INSERT INTO read_sync_state (organization_id, watermark, cursor, run_started_at,"
                 "                              records_pulled)"
                 " VALUES (:org, :watermark, NULLIF(:cursor, ''), now(), :pulled)"
                 " ON CONFLICT (organization_id) DO UPDATE"
                 " SET watermark = GREATEST(read_sync_state.watermark, EXCLUDED.watermark),"
                 "     cursor = EXCLUDED.cursor,"
                 "     records_pulled = read_sync_state.records_pulled + EXCLUDED.records_pulled"_s,
                 {{"org"_L1, organizationId},
                  {"watermark"_L1, nullableDateTime(page.newest)},
                  {"cursor"_L1, nextCursor},
                  {"pulled"_L1, qint64(stored.inserted + stored.updated)}});
    if (!moved)
        return std::unexpected(moved.error());
    if (auto published = publishReadSync(m_db, organizationId, u"page"_s); !published)
        return std::unexpected(published.error());
    if (auto committed = transaction->commit(); !committed)
        return std::unexpected(committed.error());
    return stored;
}

Expected<void> ReadSyncRepository::finishRun(qint64 organizationId, const QString& error,
                                             const nlohmann::json& details,
                                             const QString& actor) const
{
    auto transaction = Transaction::begin(m_db);
    if (!transaction)
        return std::unexpected(transaction.error());
    // A failed run keeps its cursor: the next one resumes after the last stored page.
    auto query = runQuery(
        m_db, u"finish a read sync run",
        u"WITH st AS (UPDATE read_sync_state SET last_run_at = now(),"
        "                    last_error = NULLIF(:error, ''),"
        "                    run_since = CASE WHEN :failed THEN run_since END,"
        "                    run_started_at = CASE WHEN :failed2 THEN run_started_at END"
        "              WHERE organization_id = :org"
        "             RETURNING watermark, cursor, records_pulled)"
        " INSERT INTO audit_log (actor, action, organization_id, entity, entity_id, before,"
        "                        after, details)"
        " SELECT :actor, CASE WHEN :failed3 THEN 'read_sync.failed' ELSE 'read_sync.completed' END,"
        "        :org2, 'read_sync_state', CAST(:org3 AS text), NULL,"
        "        jsonb_build_object('watermark', st.watermark, 'cursor', st.cursor,"
        "                           'recordsPulled', st.records_pulled),"
        "        CAST(:details AS jsonb) || jsonb_build_object('error', NULLIF(:error2, ''))"
        "   FROM st"_s,
        {{"error"_L1, error},
         {"failed"_L1, !error.isEmpty()},
         {"failed2"_L1, !error.isEmpty()},
         {"org"_L1, organizationId},
         {"actor"_L1, actor},
         {"failed3"_L1, !error.isEmpty()},
         {"org2"_L1, organizationId},
         {"org3"_L1, organizationId},
         {"details"_L1, jsonText(details)},
         {"error2"_L1, error}});
    if (!query)
        return std::unexpected(query.error());
    if (auto published =
            publishReadSync(m_db, organizationId, error.isEmpty() ? u"completed"_s : u"failed"_s);
        !published)
        return std::unexpected(published.error());
    return transaction->commit();
}

Expected<void> ReadSyncRepository::dropCursor(qint64 organizationId) const
{
    auto query = runQuery(m_db, u"drop the read sync cursor",
                          u"UPDATE read_sync_state SET cursor = NULL, run_since = NULL"
                          " WHERE organization_id = :org"_s,
                          {{"org"_L1, organizationId}});
    if (!query)
        return std::unexpected(query.error());
    return {};
}

Expected<std::vector<StaleModification>>
ReadSyncRepository::staleModifications(qint64 organizationId) const
{
    auto query = runQuery(m_db, u"list stale modifications",
                          u"SELECT m.id, m.pfa_id, m.base_version, mi.version, m.stale_at"
                          "  FROM pfa_modification m"
                          "  JOIN pfa_mirror mi ON mi.organization_id = m.organization_id"
                          "                    AND mi.pfa_id = m.pfa_id"
                          " WHERE m.organization_id = :org AND m.stale_at IS NOT NULL"
                          " ORDER BY m.id"_s,
                          {{"org"_L1, organizationId}});
    if (!query)
        return std::unexpected(query.error());
    std::vector<StaleModification> stale;
    while (query->next())
        stale.push_back({.modificationId = query->value(0).toLongLong(),
                         .pfaId = query->value(1).toString(),
                         .baseVersion = query->value(2).toLongLong(),
                         .mirrorVersion = query->value(3).toLongLong(),
                         .staleAt = utc(query->value(4))});
    return stale;
}

} // namespace pfa::db
