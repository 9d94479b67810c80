// Crash safety of the write path: a real `pfa-sync worker` process is SIGKILLed at random points
// while it sends ~300 modifications to a pems-sim that answers PUTs late, and restarted under the
// same id each time. Nothing may be lost (every modification ends synced, conflict or failed),
// nothing applied twice (same Idempotency-Key → replay), the mirror must agree with PEMS, and the
// audit trail and the attempts must tell the whole story despite the kills.
//
// The kill points come from a seeded generator; the seed is printed. Replay a failure with
// PFA_TEST_SEED=<seed>.
#include "support/SyncFixture.h"
#include "support/Verify.h"
#include "support/WorkerProcess.h"

#include "db/Sql.h"
#include "model/FieldDiff.h"

#include <QElapsedTimer>
#include <QRandomGenerator>
#include <QTest>

#include <algorithm>
#include <map>
#include <set>

using namespace Qt::StringLiterals;
using pfa::model::FieldMap;
using pfa::model::PfaField;

namespace pfa::test {

namespace {

const QString Org = u"RIO"_s;
const QString WorkerId = u"crash-worker"_s;
constexpr int Kills = 6;
// The PUT answer comes this much after PEMS applied it: with requests going out every 20 ms
// (rate 50), about two are always applied-but-unanswered, which is what a kill must survive.
constexpr int PutLatencyMs = 40;

enum class Fate
{
    Synced,
    Conflict,
    Failed
};

// One record of the scenario: what is committed locally, what PEMS does to it first, and how it
// must end.
struct Scenario
{
    int number = 0;
    Fate fate = Fate::Synced;
    std::vector<FieldMap> deltas; // committed in this order
    nlohmann::json pemsEdit;      // made in PEMS before the worker starts (null: none)
    bool deletedInPems = false;
    std::vector<qint64> modificationIds;
};

quint32 chooseSeed()
{
    bool ok = false;
    const quint32 given = qEnvironmentVariable("PFA_TEST_SEED").toUInt(&ok);
    return ok ? given : QRandomGenerator::system()->generate();
}

FieldMap withoutNulls(FieldMap map)
{
    std::erase_if(map, [](const auto& entry) { return model::isNull(entry.second); });
    return map;
}

Expected<FieldMap> fieldMapOf(const nlohmann::json& json)
{
    auto map = model::fieldMapFromJson(json);
    if (!map)
        return map;
    return withoutNulls(std::move(*map));
}

} // namespace

class TstCrashSafety : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void killedWorkersLoseNothingAndApplyNothingTwice();
    void lostDatabaseSessionsAreReopened();
    void aWorkerCutOffFromItsDatabaseStillStops();

private:
    FieldMap laterEnd(int number, int days) const
    {
        const auto end =
            std::get<QDateTime>(m_world->record(Org, number).at(PfaField::ForecastEnd));
        return {{PfaField::ForecastEnd, end.addDays(days)}};
    }
    static FieldMap describe(const QString& text) { return {{PfaField::Description, text}}; }

    std::vector<Scenario> plan();
    // A world with `changes` one-change modifications committed, for the database-loss tests.
    bool setUpQueue(int changes);
    // Ends the worker's PostgreSQL sessions, as a server restart or a failover would.
    qint64 terminateWorkerSessions()
    {
        return count(u"SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
                     " WHERE application_name = 'pfa-sync worker'"_s);
    }
    // The role a worker logs in as when the test must be able to lock it out (a cluster-wide
    // role: ALTER DATABASE cannot refuse connections to the database one is connected to).
    static constexpr QLatin1StringView CutOffRole{"pfa_cut_off_worker"};
    bool allowWorkerLogin(bool allow)
    {
        auto done =
            db::runStatement(m_world->db().connection(), u"switch the worker's login",
                             allow ? u"DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles"
                                     " WHERE rolname = 'pfa_cut_off_worker') THEN"
                                     " CREATE ROLE pfa_cut_off_worker LOGIN SUPERUSER; END IF;"
                                     " ALTER ROLE pfa_cut_off_worker LOGIN; END $$"_s
                                   : u"ALTER ROLE pfa_cut_off_worker NOLOGIN"_s);
        if (!done)
            qWarning().noquote() << done.error().message;
        return done.has_value();
    }
    qint64 synced()
    {
        return count(u"SELECT count(*) FROM pfa_modification WHERE sync_status = 'synced'"_s);
    }
    // -1 when the query fails, so a polling predicate never mistakes an error for progress.
    qint64 count(const QString& sql, std::initializer_list<db::SqlParam> params = {})
    {
        auto value = m_world->db().count(sql, params);
        return value ? *value : -1;
    }
    // What the kill interrupted: the dead worker's leases, and the requests among them that had
    // reached PEMS (their key is known there) without the worker recording the answer.
    struct KillReport
    {
        qint64 processing = 0;
        qint64 requestsAtPems = 0;
    };
    KillReport inspectKill();
    // The open queue items by state and last error, for a failure message.
    QString openItems();
    void verifyOutcomes(const std::vector<Scenario>& scenarios);
    void verifyRecords(const std::vector<Scenario>& scenarios);
    void verifyAuditTrail();
    void verifyAttempts();

    std::unique_ptr<SyncFixture> m_world;
};

std::vector<Scenario> TstCrashSafety::plan()
{
    std::vector<Scenario> scenarios;
    int number = 10001;
    // 200 records with one change each.
    for (int i = 0; i < 200; ++i, ++number)
        scenarios.push_back({.number = number,
                             .deltas = {i % 2 == 0 ? laterEnd(number, 1 + i % 30)
                                                   : describe(u"Crash test %1"_s.arg(i))}});
    // 20 records with four changes each: they go out coalesced, and a retry after a kill must
    // repeat the same group.
    for (int i = 0; i < 20; ++i, ++number)
        scenarios.push_back(
            {.number = number,
             .deltas = {describe(u"Step 1 of %1"_s.arg(number)), laterEnd(number, 3),
                        describe(u"Step 3 of %1"_s.arg(number)), laterEnd(number, 7)}});
    // 8 records PEMS changed on the same field first: 409, re-read, conflict.
    for (int i = 0; i < 8; ++i, ++number)
        scenarios.push_back(
            {.number = number,
             .fate = Fate::Conflict,
             .deltas = {describe(u"Local %1"_s.arg(number))},
             .pemsEdit = {{"description", u"PEMS %1"_s.arg(number).toStdString()}}});
    // 6 records PEMS changed on another field first: 409, re-read, rebased, synced.
    for (int i = 0; i < 6; ++i, ++number)
        scenarios.push_back(
            {.number = number,
             .deltas = {laterEnd(number, 5)},
             .pemsEdit = {{"description", u"PEMS rebase %1"_s.arg(number).toStdString()}}});
    // 6 records deleted in PEMS: 404, failed.
    for (int i = 0; i < 6; ++i, ++number)
        scenarios.push_back({.number = number,
                             .fate = Fate::Failed,
                             .deltas = {describe(u"Too late %1"_s.arg(number))},
                             .deletedInPems = true});
    return scenarios;
}

TstCrashSafety::KillReport TstCrashSafety::inspectKill()
{
    KillReport report;
    auto rows = db::runQuery(m_world->db().connection(), u"read the dead worker's leases",
                             u"SELECT idempotency_key::text, coalesced_into FROM pfa_write_queue"
                             " WHERE status = 'processing' AND locked_by = :worker"_s,
                             {{"worker"_L1, WorkerId}});
    if (!rows)
        return report;
    while (rows->next()) {
        ++report.processing;
        if (!rows->value(1).isNull())
            continue; // a follower: its group travels under the head's key
        if (auto seen = m_world->sim().idempotency(rows->value(0).toString());
            seen && (*seen)["requests"].get<int>() > 0)
            ++report.requestsAtPems;
    }
    return report;
}

QString TstCrashSafety::openItems()
{
    auto rows =
        db::runQuery(m_world->db().connection(), u"describe the open queue items",
                     u"SELECT q.status, m.sync_status, COALESCE(q.last_error, ''), count(*),"
                     "       min(q.scheduled_at - now())"
                     "  FROM pfa_write_queue q JOIN pfa_modification m ON m.id = q.modification_id"
                     " WHERE q.status IN ('pending', 'processing')"
                     " GROUP BY 1, 2, 3 ORDER BY 4 DESC"_s);
    if (!rows)
        return rows.error().message;
    QStringList lines;
    while (rows->next())
        lines << u"%1 items %2/%3 (due in %4): %5"_s.arg(
            rows->value(3).toString(), rows->value(0).toString(), rows->value(1).toString(),
            rows->value(4).toString(), rows->value(2).toString());
    return lines.join(u"; "_s);
}

void TstCrashSafety::killedWorkersLoseNothingAndApplyNothingTwice()
{
    const quint32 seed = chooseSeed();
    qInfo("seed %u (replay with PFA_TEST_SEED=%u)", seed, seed);
    QRandomGenerator random(seed);

    QElapsedTimer phase;
    phase.start();
    auto world = SyncFixture::create({.recordsPerOrganization = 240});
    PFA_VERIFY_OK(world);
    m_world = std::move(*world);
    std::vector<Scenario> scenarios = plan();

    for (const Scenario& scenario : scenarios) {
        const QString pfaId = SyncFixture::pfaId(scenario.number);
        if (!scenario.pemsEdit.is_null())
            PFA_VERIFY_OK(m_world->sim().editRecord(Org, pfaId, scenario.pemsEdit));
        if (scenario.deletedInPems)
            PFA_VERIFY_OK(m_world->sim().deleteRecord(Org, pfaId));
    }
    // Commit in a shuffled order across records (each record's changes in their own order), so
    // heads and followers interleave in the queue as they would with many users.
    std::vector<std::size_t> pending;
    for (std::size_t i = 0; i < scenarios.size(); ++i)
        pending.insert(pending.end(), scenarios[i].deltas.size(), i);
    std::shuffle(pending.begin(), pending.end(), random);
    int modifications = 0;
    for (const std::size_t index : pending) {
        Scenario& scenario = scenarios[index];
        const FieldMap& delta = scenario.deltas[scenario.modificationIds.size()];
        auto committed = m_world->commit(Org, scenario.number, delta);
        PFA_VERIFY_OK(committed);
        scenario.modificationIds.push_back(committed->modification.id);
        ++modifications;
    }
    qInfo("seeded 240 records and committed %d modifications in %lld ms", modifications,
          phase.restart());

    PFA_VERIFY_OK(m_world->sim().setFaults(
        {{"seed", seed}, {"routes", {{"PUT", {{"latencyMs", PutLatencyMs}}}}}}));

    WorkerProcess worker(
        QStringLiteral(PFA_SYNC_BINARY), WorkerId,
        WorkerProcess::environment(
            *m_world, {.rateLimit = 50, .concurrency = 16, .batchSize = 20, .retryDelayMs = 100}));
    const QString settledSql =
        u"SELECT count(*) FROM pfa_modification WHERE sync_status IN ('synced', 'conflict',"
        " 'failed')"_s;
    const QString heldSql = u"SELECT count(*) FROM pfa_write_queue WHERE status = 'processing'"
                            " AND locked_by = :worker"_s;
    const QString openSql = u"SELECT count(*) FROM pfa_write_queue WHERE status IN ('pending',"
                            " 'processing')"_s;

    int killsWithLeases = 0;
    int killsWithRequestsAtPems = 0;
    for (int kill = 1; kill <= Kills; ++kill) {
        PFA_VERIFY_OK(worker.start());
        const qint64 before = count(settledSql);
        // One kill in five as soon as the worker holds leases (claimed, maybe nothing sent yet);
        // the others after a random number of newly settled modifications.
        const bool early = random.bounded(5) == 0;
        const int target = early ? 0 : 1 + int(random.bounded(40));
        const bool reached = QTest::qWaitFor(
            [&] {
                if (count(openSql) == 0)
                    return true;
                return early ? count(heldSql, {{"worker"_L1, WorkerId}}) > 0
                             : count(settledSql) >= before + target;
            },
            20000);
        if (!reached) {
            qWarning().noquote() << "the worker said:\n"
                                 << QString::fromUtf8(worker.output().right(6000));
            QFAIL(qPrintable(u"kill %1 never came: "_s.arg(kill) + openItems()));
        }
        QVERIFY2(count(openSql) > 0, "the queue drained before every kill happened");
        worker.kill();
        const KillReport report = inspectKill();
        killsWithLeases += report.processing > 0 ? 1 : 0;
        killsWithRequestsAtPems += report.requestsAtPems > 0 ? 1 : 0;
        qInfo(
            "kill %d (%s): %lld modifications settled in this run, %lld leases held, %lld "
            "requests at PEMS without a recorded answer",
            kill,
            qPrintable(early ? u"as soon as it held leases"_s : u"after %1 settled"_s.arg(target)),
            count(settledSql) - before, report.processing, report.requestsAtPems);
    }

    PFA_VERIFY_OK(worker.start());
    const bool drained = QTest::qWaitFor(
        [&] {
            return count(openSql) == 0 &&
                   count(u"SELECT count(*) FROM pfa_modification WHERE sync_status IN"
                         " ('committed', 'queued', 'syncing')"_s) == 0;
        },
        45000);
    if (!drained) {
        qWarning().noquote() << "the worker said:\n"
                             << QString::fromUtf8(worker.output().right(6000));
        QFAIL(qPrintable(u"not drained: "_s + openItems()));
    }
    auto stopped = worker.stop();
    PFA_VERIFY_OK(stopped);
    QCOMPARE(*stopped, 0);
    qInfo("%d kills (%d with leases held, %d with requests at PEMS unrecorded); synced to the "
          "end in %lld ms",
          Kills, killsWithLeases, killsWithRequestsAtPems, phase.elapsed());
    QVERIFY(killsWithLeases >= 4);
    QVERIFY(killsWithRequestsAtPems >= 1);

    // Each check runs only when the one before passed: after a failure they would mostly repeat
    // it.
    verifyOutcomes(scenarios);
    if (!QTest::currentTestFailed())
        verifyRecords(scenarios);
    if (!QTest::currentTestFailed())
        verifyAuditTrail();
    if (!QTest::currentTestFailed())
        verifyAttempts();
    m_world.reset();
}

void TstCrashSafety::verifyOutcomes(const std::vector<Scenario>& scenarios)
{
    const std::map<Fate, model::SyncStatus> wanted{{Fate::Synced, model::SyncStatus::Synced},
                                                   {Fate::Conflict, model::SyncStatus::Conflict},
                                                   {Fate::Failed, model::SyncStatus::Failed}};
    for (const Scenario& scenario : scenarios) {
        for (const qint64 id : scenario.modificationIds) {
            auto status = m_world->status(id);
            PFA_VERIFY_OK(status);
            QVERIFY2(*status == wanted.at(scenario.fate),
                     qPrintable(u"modification %1 of PFA-%2 is %3"_s.arg(id)
                                    .arg(scenario.number)
                                    .arg(model::toWire(*status))));
        }
    }
    QCOMPARE(count(u"SELECT count(*) FROM pfa_modification WHERE sync_status IN ('failed',"
                   " 'conflict') AND COALESCE(sync_error, '') = ''"_s),
             qint64(0));

    auto stats = m_world->sim().stats();
    PFA_VERIFY_OK(stats);
    qInfo("pems-sim: %s", (*stats).dump().c_str());
    QCOMPARE((*stats)["duplicateApplications"].get<qint64>(), qint64(0));
    const qint64 replayed = count(u"SELECT count(*) FROM pfa_sync_attempt WHERE outcome ="
                                  " 'replayed'"_s);
    qInfo("%lld requests were answered from PEMS' idempotency store after a kill", replayed);
    // MUT QVERIFY(replayed >= 1);
}

void TstCrashSafety::verifyRecords(const std::vector<Scenario>& scenarios)
{
    const QSqlDatabase db = m_world->db().connection();
    for (const Scenario& scenario : scenarios) {
        if (scenario.fate != Fate::Synced)
            continue;
        const QString pfaId = SyncFixture::pfaId(scenario.number);
        const QString context = u"record %1"_s.arg(pfaId);

        // What PEMS must hold: the seed, PEMS' own edit, then every local change in order.
        FieldMap expected = m_world->record(Org, scenario.number);
        if (!scenario.pemsEdit.is_null()) {
            auto edit = model::fieldMapFromJson(scenario.pemsEdit);
            PFA_VERIFY_OK(edit);
            expected = model::applyDelta(std::move(expected), *edit);
        }
        for (const FieldMap& delta : scenario.deltas)
            expected = model::applyDelta(std::move(expected), delta);
        expected = withoutNulls(std::move(expected));

        auto pems = m_world->sim().record(Org, pfaId);
        PFA_VERIFY_OK(pems);
        auto pemsData = fieldMapOf((*pems)["data"]);
        PFA_VERIFY_OK(pemsData);
        const qint64 pemsVersion = (*pems)["version"].get<qint64>();

        auto mirror = db::runQuery(db, u"read the mirror",
                                   u"SELECT version, data::text FROM pfa_mirror"
                                   " WHERE organization_id = :org AND pfa_id = :pfa"_s,
                                   {{"org"_L1, m_world->organizationId(Org)}, {"pfa"_L1, pfaId}});
        PFA_VERIFY_OK(mirror);
        QVERIFY2(mirror->next(), qPrintable(context));
        auto mirrorJson = db::jsonColumn(mirror->value(1), u"pfa_mirror.data");
        PFA_VERIFY_OK(mirrorJson);
        auto mirrorData = fieldMapOf(*mirrorJson);
        PFA_VERIFY_OK(mirrorData);

        QVERIFY2(*pemsData == expected,
                 qPrintable(context + u": PEMS holds "_s +
                            QString::fromStdString(model::fieldMapToJson(*pemsData).dump()) +
                            u", expected "_s +
                            QString::fromStdString(model::fieldMapToJson(expected).dump())));
        QVERIFY2(*mirrorData == *pemsData,
                 qPrintable(context + u": the mirror holds "_s +
                            QString::fromStdString(model::fieldMapToJson(*mirrorData).dump())));
        QCOMPARE(mirror->value(0).toLongLong(), pemsVersion);

        // Each request PEMS applied added one version: as many as the heads that completed (a
        // change re-sent under a new key would show up as one more).
        auto heads = m_world->db().count(
            u"SELECT count(*) FROM pfa_write_queue WHERE organization_id = :org AND pfa_id = :pfa"
            " AND status = 'completed' AND coalesced_into IS NULL"_s,
            {{"org"_L1, m_world->organizationId(Org)}, {"pfa"_L1, pfaId}});
        PFA_VERIFY_OK(heads);
        const qint64 pemsEdits = scenario.pemsEdit.is_null() ? 0 : 1;
        QVERIFY2(pemsVersion == 1 + pemsEdits + *heads,
                 qPrintable(
                     context +
                     u": PEMS is at version %1 after %2 requests"_s.arg(pemsVersion).arg(*heads)));
    }
}

void TstCrashSafety::verifyAuditTrail()
{
    // Every status-bearing audit row of a modification moves from the status the previous one
    // left: a missing transition breaks the chain, a duplicated one repeats a status.
    auto rows = db::runQuery(
        m_world->db().connection(), u"read the audit trail",
        u"SELECT entity_id::bigint, action, before ->> 'status', after ->> 'status',"
        "       details ->> 'reason'"
        "  FROM audit_log WHERE entity = 'pfa_modification' AND after ->> 'status' IS NOT NULL ORDER BY id"_s);
    PFA_VERIFY_OK(rows);
    struct Trail
    {
        QStringList actions;
        QString last;
        int syncing = 0;
    };
    std::map<qint64, Trail> trails;
    int takenBack = 0;
    while (rows->next()) {
        const qint64 id = rows->value(0).toLongLong();
        const QString action = rows->value(1).toString();
        const QString from = rows->value(2).toString();
        const QString to = rows->value(3).toString();
        Trail& trail = trails[id];
        const QString context = u"modification %1 after %2: %3 (%4 → %5)"_s.arg(id).arg(
            trail.actions.join(u','), action, from, to);
        if (trail.actions.isEmpty()) {
            QVERIFY2(action == u"modification.draft_saved"_s && to == u"draft"_s,
                     qPrintable(context));
        } else {
            QVERIFY2(from == trail.last, qPrintable(context));
            QVERIFY2(action == u"modification."_s + to, qPrintable(context));
        }
        trail.actions << action.mid(int(qstrlen("modification.")));
        trail.last = to;
        trail.syncing += to == u"syncing"_s ? 1 : 0;
        takenBack += rows->value(4).toString() == u"worker stopped"_s ? 1 : 0;
    }

    auto statuses = db::runQuery(m_world->db().connection(), u"read the modifications",
                                 u"SELECT id, sync_status FROM pfa_modification ORDER BY id"_s);
    PFA_VERIFY_OK(statuses);
    std::size_t modifications = 0;
    while (statuses->next()) {
        ++modifications;
        const qint64 id = statuses->value(0).toLongLong();
        const QString status = statuses->value(1).toString();
        const auto found = trails.find(id);
        QVERIFY2(found != trails.end(),
                 qPrintable(u"modification %1 has no audit trail"_s.arg(id)));
        const Trail& trail = found->second;
        const QString context =
            u"modification %1 (%2): %3"_s.arg(id).arg(status, trail.actions.join(u','));
        QVERIFY2(trail.last == status, qPrintable(context));
        QVERIFY2(trail.actions.contains(u"committed"_s) && trail.actions.contains(u"queued"_s),
                 qPrintable(context));
        QVERIFY2(trail.syncing >= 1, qPrintable(context));
    }
    QCOMPARE(trails.size(), modifications);
    qInfo("audit: %d modifications taken back from a killed worker", takenBack);
}

void TstCrashSafety::verifyAttempts()
{
    // A completed item's attempts end with its one success (or replay); a settled one's never
    // hold a success. Attempt numbers run 1..n without a gap.
    auto rows =
        db::runQuery(m_world->db().connection(), u"read the attempts",
                     u"SELECT q.id, q.status, count(a.id), COALESCE(max(a.attempt), 0),"
                     "       COALESCE(string_agg(a.outcome, ',' ORDER BY a.attempt), '')"
                     "  FROM pfa_write_queue q LEFT JOIN pfa_sync_attempt a ON a.queue_id = q.id"
                     " GROUP BY q.id, q.status ORDER BY q.id"_s);
    PFA_VERIFY_OK(rows);
    int retried = 0;
    while (rows->next()) {
        const QString status = rows->value(1).toString();
        const qint64 attempts = rows->value(2).toLongLong();
        const QStringList outcomes = rows->value(4).toString().split(u',', Qt::SkipEmptyParts);
        const QString context =
            u"queue item %1 (%2): %3"_s.arg(rows->value(0).toString(), status, outcomes.join(u','));
        QCOMPARE(rows->value(3).toLongLong(), attempts);
        auto isSuccess = [](const QString& outcome) {
            return outcome == u"success"_s || outcome == u"replayed"_s;
        };
        const auto successes = std::ranges::count_if(outcomes, isSuccess);
        if (status == u"completed"_s) {
            QVERIFY2(attempts >= 1 && successes == 1 && isSuccess(outcomes.back()),
                     qPrintable(context));
            retried += attempts > 1 ? 1 : 0;
        } else {
            QVERIFY2(status == u"failed"_s && successes == 0, qPrintable(context));
        }
    }
    qInfo("attempts: %d completed items needed more than one", retried);
}

bool TstCrashSafety::setUpQueue(int changes)
{
    auto world = SyncFixture::create({.recordsPerOrganization = changes});
    if (!world) {
        qWarning().noquote() << world.error().message;
        return false;
    }
    m_world = std::move(*world);
    std::vector<std::pair<int, FieldMap>> queue;
    for (int i = 0; i < changes; ++i)
        queue.emplace_back(10001 + i, laterEnd(10001 + i, 1 + i % 30));
    return m_world->commitMany(Org, queue).has_value();
}

// A server restart or failover ends the worker's sessions while it is sending: it must open new
// ones and carry on, not fail every statement until someone restarts it.
void TstCrashSafety::lostDatabaseSessionsAreReopened()
{
    constexpr int Changes = 150;
    QVERIFY(setUpQueue(Changes));
    WorkerProcess worker(QStringLiteral(PFA_SYNC_BINARY), WorkerId,
                         WorkerProcess::environment(*m_world, {.rateLimit = 50}));
    PFA_VERIFY_OK(worker.start());
    QVERIFY(QTest::qWaitFor([&] { return synced() >= 10; }, 20000));
    QVERIFY(terminateWorkerSessions() >= 1);
    const qint64 before = synced();

    const bool done = QTest::qWaitFor([&] { return synced() == Changes; }, 30000);
    if (!done)
        qWarning().noquote() << "the worker said:\n"
                             << QString::fromUtf8(worker.output().right(3000));
    QVERIFY2(done, qPrintable(
                       u"%1 synced before the sessions ended, %2 now"_s.arg(before).arg(synced())));
    auto stopped = worker.stop();
    PFA_VERIFY_OK(stopped);
    QCOMPARE(*stopped, 0);
    auto stats = m_world->sim().stats();
    PFA_VERIFY_OK(stats);
    QCOMPARE((*stats)["duplicateApplications"].get<int>(), 0);
    QCOMPARE((*stats)["writesApplied"].get<int>(), Changes);
    m_world.reset();
}

// SIGTERM must stop a worker that cannot reach its database: after the stop timeout it leaves
// without recording the last outcomes, and a restart under its id records them (PEMS replays).
void TstCrashSafety::aWorkerCutOffFromItsDatabaseStillStops()
{
    constexpr int Changes = 100;
    QVERIFY(setUpQueue(Changes));
    QVERIFY(allowWorkerLogin(true));
    QProcessEnvironment environment = WorkerProcess::environment(*m_world, {.rateLimit = 20});
    QString url = m_world->db().url();
    QVERIFY(url.startsWith(u"postgresql://pfa@"_s));
    url.replace(u"postgresql://pfa@"_s, u"postgresql://"_s + CutOffRole + u'@');
    environment.insert(u"DATABASE_URL"_s, url);
    WorkerProcess worker(QStringLiteral(PFA_SYNC_BINARY), WorkerId, environment);
    PFA_VERIFY_OK(worker.start());
    QVERIFY(QTest::qWaitFor([&] { return synced() >= 5; }, 20000));
    QVERIFY(allowWorkerLogin(false));
    QVERIFY(terminateWorkerSessions() >= 1);

    // The stop timeout is 10 s; everything after it must be quick.
    QElapsedTimer stopping;
    stopping.start();
    auto stopped = worker.stop(20000);
    QVERIFY(allowWorkerLogin(true));
    PFA_VERIFY_OK(stopped);
    QCOMPARE(*stopped, 0);
    qInfo("stopped %lld ms after SIGTERM without its database", stopping.elapsed());
    QVERIFY(worker.output().contains("stop timeout: stopping without recording"));

    PFA_VERIFY_OK(worker.start());
    const bool done = QTest::qWaitFor([&] { return synced() == Changes; }, 30000);
    if (!done)
        qWarning().noquote() << "the worker said:\n"
                             << QString::fromUtf8(worker.output().right(3000));
    QVERIFY(done);
    auto again = worker.stop();
    PFA_VERIFY_OK(again);
    QCOMPARE(*again, 0);
    auto stats = m_world->sim().stats();
    PFA_VERIFY_OK(stats);
    QCOMPARE((*stats)["duplicateApplications"].get<int>(), 0);
    QCOMPARE((*stats)["writesApplied"].get<int>(), Changes);
    m_world.reset();
}

} // namespace pfa::test

QTEST_GUILESS_MAIN(pfa::test::TstCrashSafety)
#include "tst_crashsafety.moc"
