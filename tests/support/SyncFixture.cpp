#include "support/SyncFixture.h"

#include "db/OrganizationRepository.h"
#include "db/Sql.h"
#include "db/Transaction.h"
#include "db/UserRepository.h"
#include "model/FieldDiff.h"
#include "model/SampleRecords.h"
#include "model/Validator.h"

#include <QFile>
#include <QTest>

using namespace Qt::StringLiterals;

namespace pfa::test {

namespace {

const QString Actor = u"test-fixture"_s;
const QString Email = u"pat.planner@example.test"_s;
const QString Reason = u"test"_s;
constexpr int FirstNumber = 10001;

// The rows MirrorRepository::store() writes for a record it has never seen (the mirror row at
// version 1 and its first history entry, source pull, every field changed), for all records of
// an organization in one statement: storing 3,000 records one by one takes ~9 s in a debug build.
Expected<void> storeRecords(const QSqlDatabase& db, qint64 organizationId,
                            const std::vector<model::FieldMap>& records)
{
    nlohmann::json rows = nlohmann::json::array();
    for (std::size_t i = 0; i < records.size(); ++i) {
        nlohmann::json changed = nlohmann::json::array();
        for (const model::PfaField field : model::changedFields({}, records[i]))
            changed.push_back(model::wireName(field).toStdString());
        rows.push_back(
            {{"pfa", std::get<QString>(records[i].at(model::PfaField::PfaId)).toStdString()},
             {"data", model::fieldMapToJson(records[i])},
             {"changed", std::move(changed)},
             {"ord", i}});
    }
    auto stored = db::runQuery(
        db, u"store the seed records",
        u"WITH inp AS (SELECT * FROM jsonb_to_recordset(CAST(:rows AS jsonb))"
        "               AS x(pfa text, data jsonb, changed jsonb, ord int)),"
        " mi AS (INSERT INTO pfa_mirror (organization_id, pfa_id, version, data, pems_updated_at)"
        "        SELECT :org, inp.pfa, 1, inp.data, :at FROM inp ORDER BY inp.ord"
        "        RETURNING id, pfa_id, data)"
        " INSERT INTO pfa_mirror_history (mirror_id, version, data, changed_fields, source, actor)"
        " SELECT mi.id, 1, mi.data, ARRAY(SELECT jsonb_array_elements_text(inp.changed)),"
        "        'pull', 'pems'"
        "   FROM mi JOIN inp ON inp.pfa = mi.pfa_id ORDER BY inp.ord"_s,
        {{"rows"_L1, db::jsonText(rows)},
         {"org"_L1, organizationId},
         {"at"_L1, QDateTime::currentDateTimeUtc()}});
    if (!stored)
        return std::unexpected(stored.error());
    return {};
}

} // namespace

Expected<std::unique_ptr<SyncFixture>> SyncFixture::create(const SyncFixtureOptions& options)
{
    std::unique_ptr<SyncFixture> fixture(new SyncFixture);
    auto database = TestDatabase::create();
    if (!database)
        return std::unexpected(database.error());
    fixture->m_db = std::move(*database);
    const QSqlDatabase db = fixture->m_db->connection();

    auto user = db::UserRepository(db).create({Email, u"Pat Planner"_s, false}, Actor);
    if (!user)
        return std::unexpected(user.error());
    fixture->m_userId = user->id;

    nlohmann::json seed = nlohmann::json::array();
    quint32 seedNumber = 7;
    for (const QString& code : options.organizations) {
        auto organization =
            db::OrganizationRepository(db).create(code, code + u" Construction"_s, Actor);
        if (!organization)
            return std::unexpected(organization.error());
        fixture->m_organizations[code] = organization->id;
        if (auto granted =
                db::UserRepository(db).grant(user->id, {organization->id, true, true}, Actor);
            !granted)
            return std::unexpected(granted.error());
        const auto records = model::SampleRecords::generate(
            code, FirstNumber, options.recordsPerOrganization, seedNumber++);
        if (auto stored = storeRecords(db, organization->id, records); !stored)
            return std::unexpected(stored.error());
        for (std::size_t i = 0; i < records.size(); ++i) {
            fixture->m_records[{code, FirstNumber + int(i)}] = records[i];
            seed.push_back(model::fieldMapToJson(records[i]));
        }
    }

    if (!fixture->m_dir.isValid())
        return fail(ErrorCode::Io, u"cannot create a temporary directory"_s);
    const QString seedPath = fixture->m_dir.filePath(u"seed.json"_s);
    QFile file(seedPath);
    if (!file.open(QIODevice::WriteOnly))
        return fail(ErrorCode::Io, u"cannot write %1"_s.arg(seedPath));
    file.write(QByteArray::fromStdString(seed.dump()));
    file.close();

    fixture->m_sim = std::make_unique<PemsSimProcess>();
    if (auto started =
            fixture->m_sim->start(QStringList{u"--seed-file"_s, seedPath} + options.simArguments);
        !started)
        return std::unexpected(started.error());
    return fixture;
}

SyncFixture::~SyncFixture() = default;

const model::FieldMap& SyncFixture::record(const QString& code, int number) const
{
    return m_records.at({code, number});
}

sync::WorkerConfig SyncFixture::workerConfig(const QString& workerId) const
{
    sync::WorkerConfig config;
    config.workerId = workerId;
    config.pems.baseUrl = m_sim->baseUrl();
    config.pems.apiKey = QString::fromLatin1(PemsSimProcess::defaultApiKey());
    config.pems.timeout = std::chrono::milliseconds(5000);
    config.schedule = *config::CronExpression::parse(u"* * * * *"_s);
    config.rateLimit = 0;
    config.retryDelay = std::chrono::milliseconds(100);
    config.retryJitter = 0.1;
    config.stopTimeout = std::chrono::milliseconds(5000);
    return config;
}

Expected<db::Committed> SyncFixture::commit(const QString& code, int number,
                                            const model::FieldMap& delta,
                                            model::Operation operation, const QString& reason)
{
    db::ModificationRepository modifications(m_db->connection());
    auto draft = modifications.saveDraft({.organizationId = m_organizations.at(code),
                                          .pfaId = pfaId(number),
                                          .userId = m_userId,
                                          .operation = operation,
                                          .delta = delta,
                                          .changeReason = reason},
                                         Actor);
    if (!draft)
        return std::unexpected(draft.error());
    return modifications.commit(draft->id, Actor);
}

Expected<std::vector<qint64>>
SyncFixture::commitMany(const QString& code,
                        const std::vector<std::pair<int, model::FieldMap>>& changes)
{
    // What saveDraft() + commit() leave behind — the modification (queued, based on the
    // mirror's version), its queue item with the request body, and the draft_saved, committed
    // and queued audit rows (their before/after hold just the status) — for every change in
    // one statement; through the repositories 3,000 commits take ~16 s in a debug build. No
    // SYNC_QUEUED is announced: start the workers afterwards.
    nlohmann::json rows = nlohmann::json::array();
    for (std::size_t i = 0; i < changes.size(); ++i) {
        const auto& [number, delta] = changes[i];
        if (delta.empty())
            return fail(ErrorCode::Validation, u"an update needs at least one changed field"_s);
        const auto issues = model::Validator::validateDelta(record(code, number), delta);
        if (!issues.empty())
            return fail(ErrorCode::Validation,
                        u"%1: %2"_s.arg(pfaId(number), issues.front().message));
        rows.push_back({{"pfa", pfaId(number).toStdString()},
                        {"delta", model::fieldMapToJson(delta)},
                        {"ord", i}});
    }
    const QSqlDatabase db = m_db->connection();
    auto transaction = db::Transaction::begin(db);
    if (!transaction)
        return std::unexpected(transaction.error());
    auto inserted = db::runQuery(
        db, u"commit many modifications",
        u"WITH inp AS (SELECT * FROM jsonb_to_recordset(CAST(:rows AS jsonb))"
        "               AS x(pfa text, delta jsonb, ord int)),"
        " mo AS (INSERT INTO pfa_modification (organization_id, pfa_id, user_id, operation,"
        "                                      base_version, delta, change_reason, sync_status)"
        "        SELECT :org, inp.pfa, :user, 'UPDATE', mi.version, inp.delta, :reason, 'queued'"
        "          FROM inp JOIN pfa_mirror mi ON mi.organization_id = :org2"
        "                                     AND mi.pfa_id = inp.pfa"
        "         ORDER BY inp.ord"
        "        RETURNING id, pfa_id, base_version, delta),"
        " qu AS (INSERT INTO pfa_write_queue (modification_id, organization_id, pfa_id,"
        "                                     operation, payload)"
        "        SELECT mo.id, :org3, mo.pfa_id, 'UPDATE',"
        "               jsonb_build_object('pfaId', mo.pfa_id, 'organizationCode',"
        "                                  CAST(:code AS text), 'changes', mo.delta,"
        "                                  'version', mo.base_version,"
        "                                  'modifiedBy', CAST(:email AS text),"
        "                                  'changeReason', CAST(:reason2 AS text))"
        "          FROM mo ORDER BY mo.id RETURNING id, modification_id),"
        " au AS (INSERT INTO audit_log (actor, action, organization_id, entity, entity_id,"
        "                               before, after, details)"
        "        SELECT :actor, 'modification.' || t.action, :org4, 'pfa_modification',"
        "               mo.id::text, CASE WHEN t.before IS NULL THEN NULL"
        "                            ELSE jsonb_build_object('status', t.before) END,"
        "               jsonb_build_object('status', t.after),"
        "               CASE WHEN t.after = 'queued' THEN jsonb_build_object('queueId', qu.id)"
        "                    ELSE '{}'::jsonb END"
        "          FROM mo JOIN qu ON qu.modification_id = mo.id"
        "         CROSS JOIN (VALUES (1, 'draft_saved', NULL, 'draft'),"
        "                            (2, 'committed', 'draft', 'committed'),"
        "                            (3, 'queued', 'committed', 'queued'))"
        "                    AS t(step, action, before, after)"
        "         ORDER BY mo.id, t.step)"
        " SELECT mo.pfa_id, mo.id FROM mo"_s, // every data-modifying CTE runs, read or not
        {{"rows"_L1, db::jsonText(rows)},
         {"org"_L1, organizationId(code)},
         {"user"_L1, m_userId},
         {"reason"_L1, Reason},
         {"org2"_L1, organizationId(code)},
         {"org3"_L1, organizationId(code)},
         {"code"_L1, code},
         {"email"_L1, Email},
         {"reason2"_L1, Reason},
         {"actor"_L1, Actor},
         {"org4"_L1, organizationId(code)}});
    if (!inserted)
        return std::unexpected(inserted.error());
    std::map<QString, std::vector<qint64>> byRecord; // a record may have several changes
    while (inserted->next())
        byRecord[inserted->value(0).toString()].push_back(inserted->value(1).toLongLong());
    for (auto& [pfa, ids] : byRecord)
        std::ranges::sort(ids, std::greater{}); // popped from the back: the oldest first
    std::vector<qint64> ids;
    ids.reserve(changes.size());
    for (const auto& [number, delta] : changes) {
        auto found = byRecord.find(pfaId(number));
        if (found == byRecord.end() || found->second.empty())
            return fail(ErrorCode::NotFound,
                        u"record %1 does not exist in organization %2"_s.arg(pfaId(number), code));
        ids.push_back(found->second.back());
        found->second.pop_back();
    }
    if (auto committed = transaction->commit(); !committed)
        return std::unexpected(committed.error());
    return ids;
}

Expected<model::SyncStatus> SyncFixture::status(qint64 modificationId)
{
    auto found = db::ModificationRepository(m_db->connection()).find(modificationId);
    if (!found)
        return std::unexpected(found.error());
    return found->status;
}

bool SyncFixture::waitForStatus(qint64 modificationId, model::SyncStatus wanted, int timeoutMs)
{
    return QTest::qWaitFor(
        [&] {
            const auto now = status(modificationId);
            return now && *now == wanted;
        },
        timeoutMs);
}

bool SyncFixture::waitForDrained(int timeoutMs)
{
    return QTest::qWaitFor(
        [&] {
            const auto open = m_db->count(
                u"SELECT count(*) FROM pfa_write_queue WHERE status IN ('pending', 'processing')"_s);
            return open && *open == 0;
        },
        timeoutMs);
}

} // namespace pfa::test
