// The admin CLI as an operator runs it: the real pfa-sync binary (QProcess) against a private
// PostgreSQL whose dead letters, conflicts and synced changes a real worker produced against
// pems-sim. Each command's outcome is checked in the database, refusals change nothing.
#include "../sync/WritePathTestCase.h"

#include "db/JobRepository.h"
#include "db/ModificationRepository.h"
#include "db/UserRepository.h"
#include "model/FieldValue.h"

#include <QProcess>

using namespace Qt::StringLiterals;
using namespace std::chrono_literals;
using pfa::model::PfaField;
using pfa::model::SyncStatus;

namespace pfa::test {

namespace {

struct Run
{
    int code = -1;
    QString out;
    QString err;
};

const QString Planner = u"pat.planner@example.test"_s; // SyncFixture's user: perm_sync, resolve

} // namespace

class TstAdminCli : public WritePathTestCase
{
    Q_OBJECT

private:
    Run cli(const QStringList& arguments)
    {
        QProcess process;
        QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
        environment.insert(u"DATABASE_URL"_s, world().db().url());
        process.setProcessEnvironment(environment);
        process.start(QStringLiteral(PFA_SYNC_BINARY), arguments);
        if (!process.waitForFinished(60000)) {
            process.kill();
            process.waitForFinished();
            return {};
        }
        Run run{.code = process.exitStatus() == QProcess::NormalExit ? process.exitCode() : -1,
                .out = QString::fromUtf8(process.readAllStandardOutput()),
                .err = QString::fromUtf8(process.readAllStandardError())};
        if (run.code != 0)
            qInfo().noquote() << "pfa-sync" << arguments.join(u' ') << "->" << run.code
                              << run.err.trimmed();
        return run;
    }

    nlohmann::json json(const Run& run)
    {
        return nlohmann::json::parse(run.out.toStdString(), nullptr, false);
    }

    // A user of RIO without perm_sync or perm_resolve (or an administrator); its id, 0 on error.
    qint64 addUser(const QString& email, bool isAdmin)
    {
        db::UserRepository users(world().db().connection());
        auto user = users.create({email, email.section(u'@', 0, 0), isAdmin}, u"test"_s);
        if (!user ||
            !users.grant(user->id, {world().organizationId(u"RIO"_s), false, false}, u"test"_s))
            return 0;
        return user->id;
    }

    // PEMS answers 503 until the changes of `numbers` are dead letters; their modification ids.
    std::vector<qint64> deadLetters(std::initializer_list<int> numbers)
    {
        if (!world().sim().setFaults({{"routes", {{"PUT", {{"error503", 1.0}}}}}}))
            return {};
        auto config = world().workerConfig();
        config.retryDelay = 50ms;
        if (!m_engine && !startWorker(config))
            return {};
        std::vector<qint64> ids;
        for (const int number : numbers) {
            auto committed = world().commit(u"RIO"_s, number, laterForecastEnd(number, 5));
            if (!committed)
                return {};
            ids.push_back(committed->modification.id);
        }
        for (const qint64 id : ids)
            if (!world().waitForStatus(id, SyncStatus::Failed))
                return {};
        if (!world().sim().clearFaults())
            return {};
        return ids;
    }

    // PEMS rewords record 10002's description, the local change rewords it too: a conflict.
    qint64 conflict()
    {
        if (!world().sim().editRecord(u"RIO"_s, SyncFixture::pfaId(10002),
                                      {{"description", "PEMS wording"}}))
            return 0;
        if (!m_engine && !startWorker())
            return 0;
        auto committed =
            world().commit(u"RIO"_s, 10002, {{PfaField::Description, u"Local wording"_s}});
        if (!committed || !world().waitForStatus(committed->modification.id, SyncStatus::Conflict))
            return 0;
        auto id = world().db().value(u"SELECT id FROM pfa_sync_conflict WHERE modification_id ="
                                     " :m"_s,
                                     {{"m"_L1, committed->modification.id}});
        return id ? id->toLongLong() : 0;
    }

    // Stops the worker, so what the CLI changes stays as it left it.
    void stopWorker()
    {
        if (m_engine)
            m_engine->stopAndWait();
        m_engine.reset();
    }

    qint64 count(const QString& sql, std::initializer_list<db::SqlParam> params = {})
    {
        auto n = world().db().count(sql, params);
        return n ? *n : -1;
    }

    QString queueStatus(qint64 modificationId)
    {
        auto status = world().db().value(u"SELECT status FROM pfa_write_queue WHERE"
                                         " modification_id = :m"_s,
                                         {{"m"_L1, modificationId}});
        return status ? status->toString() : QString();
    }

    qint64 queueId(qint64 modificationId)
    {
        auto id = world().db().value(u"SELECT id FROM pfa_write_queue WHERE modification_id = :m"_s,
                                     {{"m"_L1, modificationId}});
        return id ? id->toLongLong() : 0;
    }

private Q_SLOTS:
    void cleanup() { tearDownWorld(); }

    // The lists show what the worker left (table and JSON), and status --json counts what the
    // database holds.
    void listsAndStatusShowTheDatabase()
    {
        SET_UP_WORLD();
        const auto letters = deadLetters({10001});
        QCOMPARE(letters.size(), std::size_t(1));
        const qint64 conflictId = conflict();
        QVERIFY(conflictId != 0);
        auto synced = world().commit(u"RIO"_s, 10003, laterForecastEnd(10003, 2));
        PFA_VERIFY_OK(synced);
        QVERIFY(world().waitForStatus(synced->modification.id, SyncStatus::Synced));
        stopWorker();
        auto later = world().commit(u"RIO"_s, 10004, laterForecastEnd(10004, 1)); // pending
        PFA_VERIFY_OK(later);

        const qint64 letter = queueId(letters.front());
        Run table = cli({u"queue"_s, u"list"_s});
        QCOMPARE(table.code, 0);
        QVERIFY2(table.out.contains(u"PFA-10001"_s) && table.out.contains(u"transient"_s),
                 qPrintable(table.out));
        QVERIFY(table.out.contains(u"1 dead letter waiting"_s));
        const auto listed = json(cli({u"queue"_s, u"list"_s, u"--json"_s}));
        QVERIFY(listed.is_array());
        QCOMPARE(listed.size(), std::size_t(1));
        QCOMPARE(listed[0]["id"].get<qint64>(), letter);
        QCOMPARE(listed[0]["status"].get<std::string>(), std::string("failed"));

        table = cli({u"conflicts"_s, u"list"_s});
        QCOMPARE(table.code, 0);
        QVERIFY2(table.out.contains(u"PFA-10002"_s) && table.out.contains(u"description"_s),
                 qPrintable(table.out));
        const auto conflicts = json(cli({u"conflicts"_s, u"list"_s, u"--json"_s}));
        QCOMPARE(conflicts["total"].get<qint64>(), qint64(1));
        QCOMPARE(conflicts["conflicts"][0]["id"].get<qint64>(), conflictId);
        const auto shown =
            json(cli({u"conflicts"_s, u"show"_s, QString::number(conflictId), u"--json"_s}));
        QVERIFY(shown["conflictFields"] == nlohmann::json::array({"description"}));
        QCOMPARE(shown["pemsData"]["description"].get<std::string>(), std::string("PEMS wording"));
        table = cli({u"conflicts"_s, u"show"_s, QString::number(conflictId)});
        QVERIFY2(table.out.contains(u"Local wording"_s) && table.out.contains(u"PEMS wording"_s),
                 qPrintable(table.out));

        const auto status = json(cli({u"status"_s, u"--json"_s}));
        QCOMPARE(status["organizations"].size(), std::size_t(1));
        const auto& rio = status["organizations"][0];
        QCOMPARE(rio["code"].get<std::string>(), std::string("RIO"));
        const auto queued = [&](const char* where) {
            return count(u"SELECT count(*) FROM pfa_write_queue WHERE "_s +
                         QLatin1StringView(where));
        };
        QCOMPARE(rio["pending"].get<qint64>(), queued("status = 'pending'"));
        QCOMPARE(rio["pending"].get<qint64>(), qint64(1));
        QCOMPARE(rio["completed"].get<qint64>(), queued("status = 'completed'"));
        QCOMPARE(rio["deadLetters"].get<qint64>(),
                 queued("status = 'failed' AND failure_class <> 'conflict'"));
        QCOMPARE(rio["unresolvedConflicts"].get<qint64>(),
                 count(u"SELECT count(*) FROM pfa_sync_conflict WHERE status = 'unresolved'"_s));
        QCOMPARE(rio["writes"].get<std::string>(), std::string("running"));
        QVERIFY(rio["oldestPendingAgeSeconds"].is_number_integer());
        table = cli({u"status"_s});
        QCOMPARE(table.code, 0);
        QVERIFY2(table.out.contains(u"RIO"_s) && table.out.contains(u"running"_s),
                 qPrintable(table.out));
    }

    // retry re-queues as --user; discard needs a reason; users without perm_sync are refused.
    void retryRequeuesAndDiscardNeedsAReason()
    {
        SET_UP_WORLD();
        const auto letters = deadLetters({10001, 10004});
        QCOMPARE(letters.size(), std::size_t(2));
        stopWorker();
        QVERIFY(addUser(u"val.viewer@example.test"_s, false) != 0);
        const QString first = QString::number(queueId(letters[0]));
        const QString second = QString::number(queueId(letters[1]));

        Run refused =
            cli({u"queue"_s, u"retry"_s, first, u"--user"_s, u"val.viewer@example.test"_s});
        QCOMPARE(refused.code, 1);
        QVERIFY2(refused.err.contains(u"perm_sync"_s), qPrintable(refused.err));
        refused = cli({u"queue"_s, u"retry"_s, first, u"--user"_s, u"nobody@example.test"_s});
        QCOMPARE(refused.code, 1);
        QVERIFY(refused.err.contains(u"--user nobody@example.test: no such user"_s));
        refused = cli({u"queue"_s, u"discard"_s, second, u"--user"_s, Planner});
        QCOMPARE(refused.code, 2);
        QVERIFY(refused.err.contains(u"--reason"_s));
        QCOMPARE(queueStatus(letters[0]), u"failed"_s);
        QCOMPARE(queueStatus(letters[1]), u"failed"_s);

        Run retried = cli({u"queue"_s, u"retry"_s, first, u"--user"_s, Planner, u"--json"_s});
        QCOMPARE(retried.code, 0);
        QCOMPARE(json(retried)[0]["status"].get<std::string>(), std::string("pending"));
        QCOMPARE(queueStatus(letters[0]), u"pending"_s);
        QCOMPARE(*world().status(letters[0]), SyncStatus::Queued);
        QCOMPARE(count(u"SELECT count(*) FROM audit_log WHERE actor = :a AND action ="
                       " 'modification.queued' AND details ->> 'redrive' = 'true'"_s,
                       {{"a"_L1, Planner}}),
                 qint64(1));

        Run discarded = cli({u"queue"_s, u"discard"_s, u"--all"_s, u"--organization"_s, u"RIO"_s,
                             u"--reason"_s, u"superseded by a new plan"_s, u"--user"_s, Planner});
        QCOMPARE(discarded.code, 0);
        QVERIFY2(discarded.out.contains(u"1 dead letter discarded"_s), qPrintable(discarded.out));
        QCOMPARE(*world().status(letters[1]), SyncStatus::Discarded);
        QCOMPARE(queueStatus(letters[0]), u"pending"_s); // no dead letter any more: untouched
        QCOMPARE(count(u"SELECT count(*) FROM audit_log WHERE actor = :a AND"
                       " details ->> 'reason' = 'superseded by a new plan'"_s,
                       {{"a"_L1, Planner}}),
                 qint64(1));
    }

    // resolve needs perm_resolve; a merge decides per field and is recorded for --user.
    void resolveChangesTheStateAndIsAudited()
    {
        SET_UP_WORLD();
        const qint64 conflictId = conflict();
        QVERIFY(conflictId != 0);
        stopWorker();
        QVERIFY(addUser(u"val.viewer@example.test"_s, false) != 0);
        const QString id = QString::number(conflictId);
        const auto unresolved = [&] {
            return count(u"SELECT count(*) FROM pfa_sync_conflict WHERE id = :id AND status ="
                         " 'unresolved'"_s,
                         {{"id"_L1, conflictId}});
        };

        Run refused = cli({u"conflicts"_s, u"resolve"_s, id, u"--strategy"_s, u"use_local"_s,
                           u"--user"_s, u"val.viewer@example.test"_s});
        QCOMPARE(refused.code, 1);
        QVERIFY2(refused.err.contains(u"perm_resolve"_s), qPrintable(refused.err));
        refused = cli({u"conflicts"_s, u"resolve"_s, id, u"--strategy"_s, u"merge"_s, u"--field"_s,
                       u"model=mine"_s, u"--user"_s, Planner});
        QCOMPARE(refused.code, 2); // model is not a conflicting field
        QVERIFY2(refused.err.contains(u"model"_s), qPrintable(refused.err));
        refused = cli({u"conflicts"_s, u"resolve"_s, u"999999"_s, u"--strategy"_s, u"use_pems"_s,
                       u"--user"_s, Planner});
        QCOMPARE(refused.code, 1);
        QVERIFY(refused.err.contains(u"conflict 999999 does not exist"_s));
        QCOMPARE(unresolved(), qint64(1));

        Run resolved =
            cli({u"conflicts"_s, u"resolve"_s, id, u"--strategy"_s, u"merge"_s, u"--field"_s,
                 u"description=value:Agreed wording"_s, u"--user"_s, Planner, u"--json"_s});
        QCOMPARE(resolved.code, 0);
        const auto body = json(resolved);
        QCOMPARE(body["status"].get<std::string>(), std::string("resolved_manual"));
        QCOMPARE(body["modificationStatus"].get<std::string>(), std::string("queued"));
        QCOMPARE(body["appliedChanges"]["description"].get<std::string>(),
                 std::string("Agreed wording"));
        QCOMPARE(unresolved(), qint64(0));
        QCOMPARE(count(u"SELECT count(*) FROM pfa_sync_conflict WHERE id = :id AND resolved_by ="
                       " :u AND resolution = 'merge'"_s,
                       {{"id"_L1, conflictId}, {"u"_L1, world().userId()}}),
                 qint64(1));
        QCOMPARE(count(u"SELECT count(*) FROM audit_log WHERE action = 'conflict.resolved' AND"
                       " entity_id = :id AND actor = :a"_s,
                       {{"id"_L1, QString::number(conflictId)}, {"a"_L1, Planner}}),
                 qint64(1));
        // Decided once: a second resolve is refused.
        QCOMPARE(cli({u"conflicts"_s, u"resolve"_s, id, u"--strategy"_s, u"use_pems"_s, u"--user"_s,
                      Planner})
                     .code,
                 1);
    }

    // Rollback is for administrators: a record back to version 1 and a whole job, as new
    // queued modifications; everyone else is refused and nothing is queued.
    void rollbackQueuesTheOldVersion()
    {
        SET_UP_WORLD();
        QVERIFY(startWorker());
        auto job = db::JobRepository(world().db().connection())
                       .create(world().organizationId(u"RIO"_s), model::JobTrigger::Manual,
                               world().userId(), u"test"_s);
        PFA_VERIFY_OK(job);
        std::vector<qint64> changed;
        for (const int number : {10001, 10002}) {
            db::ModificationRepository modifications(world().db().connection());
            auto draft =
                modifications.saveDraft({.organizationId = world().organizationId(u"RIO"_s),
                                         .pfaId = SyncFixture::pfaId(number),
                                         .userId = world().userId(),
                                         .delta = laterForecastEnd(number, 7),
                                         .changeReason = u"job change"_s},
                                        u"test"_s);
            PFA_VERIFY_OK(draft);
            auto committed = modifications.commit(draft->id, u"test"_s, {.jobId = job->id});
            PFA_VERIFY_OK(committed);
            changed.push_back(committed->modification.id);
        }
        for (const qint64 id : changed)
            QVERIFY(world().waitForStatus(id, SyncStatus::Synced));
        stopWorker();
        QVERIFY(addUser(u"ada.admin@example.test"_s, true) != 0);
        const auto rollbacks = [&] {
            return count(u"SELECT count(*) FROM pfa_modification WHERE rollback_of_version IS NOT"
                         " NULL"_s);
        };
        const QStringList record{u"rollback"_s,       u"--organization"_s, u"RIO"_s, u"--pfa"_s,
                                 u"PFA-10001"_s,      u"--version"_s,      u"1"_s,   u"--reason"_s,
                                 u"wrong calendar"_s, u"--user"_s};

        Run refused = cli(record + QStringList{Planner});
        QCOMPARE(refused.code, 1);
        QVERIFY2(refused.err.contains(u"administrators only"_s), qPrintable(refused.err));
        refused = cli({u"rollback"_s, u"--organization"_s, u"NOPE"_s, u"--pfa"_s, u"PFA-10001"_s,
                       u"--version"_s, u"1"_s, u"--reason"_s, u"r"_s, u"--user"_s,
                       u"ada.admin@example.test"_s});
        QCOMPARE(refused.code, 1);
        QVERIFY(refused.err.contains(u"--organization NOPE: no such organization"_s));
        QCOMPARE(rollbacks(), qint64(0));

        Run done = cli(record + QStringList{u"ada.admin@example.test"_s, u"--json"_s});
        QCOMPARE(done.code, 0);
        const auto body = json(done);
        QCOMPARE(body["records"].size(), std::size_t(1));
        QCOMPARE(body["records"][0]["toVersion"].get<qint64>(), qint64(1));
        const qint64 modificationId = body["records"][0]["modificationId"].get<qint64>();
        QCOMPARE(count(u"SELECT count(*) FROM pfa_modification WHERE id = :id AND"
                       " rollback_of_version = 1 AND sync_status = 'queued'"_s,
                       {{"id"_L1, modificationId}}),
                 qint64(1));
        QCOMPARE(queueStatus(modificationId), u"pending"_s);

        // The whole job: a rollback modification per record it changed, in one rollback job.
        done = cli({u"rollback"_s, u"--job"_s, QString::number(job->id), u"--reason"_s,
                    u"wrong calendar"_s, u"--user"_s, u"ada.admin@example.test"_s, u"--json"_s});
        QCOMPARE(done.code, 0);
        const auto jobBody = json(done);
        QVERIFY(!jobBody["records"].empty());
        QCOMPARE(jobBody["records"].back()["pfaId"].get<std::string>(), std::string("PFA-10002"));
        QCOMPARE(rollbacks(), qint64(1 + jobBody["records"].size()));
        QCOMPARE(count(u"SELECT count(*) FROM pfa_modification WHERE job_id = :job"_s,
                       {{"job"_L1, jobBody["jobId"].get<qint64>()}}),
                 qint64(jobBody["records"].size()));
    }

    // status names an organization that does not exist, and fails.
    void unknownOrganizationIsRefused()
    {
        SET_UP_WORLD();
        const Run run = cli({u"status"_s, u"--organization"_s, u"NOPE"_s});
        QCOMPARE(run.code, 1);
        QVERIFY(run.err.contains(u"--organization NOPE: no such organization"_s));
        QVERIFY(run.out.isEmpty());
    }
};

} // namespace pfa::test

QTEST_GUILESS_MAIN(pfa::test::TstAdminCli)
#include "tst_admincli.moc"
