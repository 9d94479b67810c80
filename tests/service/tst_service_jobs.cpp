// The sync-job routes end to end: a real worker syncs drafts to pems-sim, the service lists and
// shows the jobs with their attempts, and an administrator rolls a job back.

#include "ServiceTestCase.h"

#include "db/AuditRepository.h"
#include "db/JobRepository.h"
#include "db/Sql.h"

#include <QFile>

using namespace Qt::StringLiterals;
using pfa::model::SyncStatus;

namespace pfa::test {

class TstServiceJobs : public ServiceTestCase
{
    Q_OBJECT

    qint64 rowCount(const QString& table)
    {
        auto query = db::runQuery(world().db().connection(), u"count rows",
                                  u"SELECT count(*) FROM "_s + table);
        return query && query->next() ? query->value(0).toLongLong() : -1;
    }

    // A RIO draft sent through write-sync and synced by the worker; the job's id, 0 on failure.
    qint64 syncedJob(int number, qint64* modificationId = nullptr)
    {
        const qint64 id = draft(u"RIO"_s, number, laterForecastEnd(number, 5));
        if (id <= 0)
            return 0;
        const auto answer = post(u"/api/pems/write-sync"_s, m_rioToken,
                                 {{"organizationId", rioId()}, {"modificationIds", {id}}});
        if (answer.status != 202 || !world().waitForStatus(id, SyncStatus::Synced))
            return 0;
        if (modificationId)
            *modificationId = id;
        return answer.json.value("jobId", qint64(0));
    }

    qint64 houJob()
    {
        auto job = db::JobRepository(world().db().connection())
                       .create(houId(), model::JobTrigger::Manual, std::nullopt, u"test"_s);
        return job ? job->id : 0;
    }

    static bool listed(const HttpAnswer& answer, qint64 jobId)
    {
        for (const auto& job : answer.json.value("jobs", nlohmann::json::array())) {
            if (job.value("id", qint64(0)) == jobId)
                return true;
        }
        return false;
    }

private Q_SLOTS:
    void init() { QVERIFY(setUpService()); }
    void cleanup() { tearDownService(); }

    void aSyncedJobIsListedAndShownWithItsAttempts()
    {
        qint64 modificationId = 0;
        const qint64 jobId = syncedJob(10001, &modificationId);
        QVERIFY(jobId > 0);
        // The item completes a moment after the modification turns synced.
        QTRY_COMPARE_WITH_TIMEOUT(
            QString::fromStdString(get(u"/api/pems/sync-jobs/%1"_s.arg(jobId), m_rioToken)
                                       .json["job"]
                                       .value("status", std::string())),
            u"completed"_s, 15000);

        const auto list = get(u"/api/pems/sync-jobs?organizationId=%1"_s.arg(rioId()), m_rioToken);
        QCOMPARE(list.status, 200);
        QVERIFY(list.json.value("success", false));
        QVERIFY(listed(list, jobId));
        QCOMPARE(list.json.value("total", -1), qint64(list.json["jobs"].size()));

        const auto api = get(u"/api/pems/sync-jobs?trigger=api&status=completed"_s, m_rioToken);
        QVERIFY(listed(api, jobId));
        QVERIFY(!listed(get(u"/api/pems/sync-jobs?trigger=rollback"_s, m_rioToken), jobId));
        QVERIFY(!listed(get(u"/api/pems/sync-jobs?status=failed"_s, m_rioToken), jobId));
        const auto later = get(u"/api/pems/sync-jobs?from=2100-01-01"_s, m_rioToken);
        QCOMPARE(later.status, 200);
        QCOMPARE(later.json.value("total", -1), 0);
        QVERIFY(listed(get(u"/api/pems/sync-jobs?to=2100-01-01T00:00:00Z"_s, m_rioToken), jobId));
        const auto page = get(u"/api/pems/sync-jobs?limit=1&offset=1000"_s, m_rioToken);
        QCOMPARE(page.json["jobs"].size(), 0u);
        QCOMPARE(page.json.value("total", -1), list.json.value("total", -2));

        const auto shown = get(u"/api/pems/sync-jobs/%1"_s.arg(jobId), m_rioToken);
        QCOMPARE(shown.status, 200);
        const auto& job = shown.json["job"];
        QCOMPARE(job.value("organizationId", qint64(0)), rioId());
        QCOMPARE(job.value("trigger", std::string()), std::string("api"));
        QCOMPARE(job.value("itemCount", -1), 1);
        QCOMPARE(job["items"].size(), 1u);
        const auto& item = job["items"][0];
        QCOMPARE(item.value("modificationId", qint64(0)), modificationId);
        QCOMPARE(item.value("pfaId", std::string()), SyncFixture::pfaId(10001).toStdString());
        QCOMPARE(item.value("status", std::string()), std::string("completed"));
        QVERIFY(item["error"].is_null());
        QVERIFY(item.value("attemptCount", 0) >= 1);
        QCOMPARE(item["attempts"].size(), std::size_t(item.value("attemptCount", 0)));
        const auto& attempt = item["attempts"].back();
        QCOMPARE(attempt.value("attempt", 0), item.value("attemptCount", 0));
        QVERIFY(attempt["httpStatus"].is_number_integer());
        QVERIFY(attempt["startedAt"].is_string());
        QVERIFY(!attempt.value("outcome", std::string()).empty());
    }

    void anAdministratorRollsAJobBackAndTheReasonIsKeptVerbatim()
    {
        qint64 modificationId = 0;
        const qint64 jobId = syncedJob(10002, &modificationId);
        QVERIFY(jobId > 0);
        const std::string reason = "<script>alert('x')</script> & undo";

        const auto refused =
            post(u"/api/pems/sync-jobs/%1/rollback"_s.arg(jobId), m_rioToken, {{"reason", reason}});
        QCOMPARE(refused.status, 403);
        QCOMPARE(refused.text("message"), u"rollback needs an administrator"_s);

        const auto answer = post(u"/api/pems/sync-jobs/%1/rollback"_s.arg(jobId), m_adminToken,
                                 {{"reason", reason}});
        QCOMPARE(answer.status, 202);
        QCOMPARE(answer.json.value("rolledBackJobId", qint64(0)), jobId);
        const qint64 rollbackJob = answer.json.value("jobId", qint64(0));
        QVERIFY(rollbackJob > jobId);
        QCOMPARE(answer.json["modificationIds"].size(), 1u);
        const qint64 rollbackModification = answer.json["modificationIds"][0].get<qint64>();
        QVERIFY(rollbackModification != modificationId);

        // The client can follow it: the rollback job lists the queued modification.
        const auto shown = get(u"/api/pems/sync-jobs/%1"_s.arg(rollbackJob), m_rioToken);
        QCOMPARE(shown.status, 200);
        QCOMPARE(shown.json["job"].value("trigger", std::string()), std::string("rollback"));
        QCOMPARE(shown.json["job"]["items"][0].value("modificationId", qint64(0)),
                 rollbackModification);
        QVERIFY(world().waitForStatus(rollbackModification, SyncStatus::Synced));
        auto stored = db::runQuery(world().db().connection(), u"read the reason",
                                   u"SELECT change_reason FROM pfa_modification WHERE id = :id"_s,
                                   {{"id"_L1, rollbackModification}});
        QVERIFY(stored && stored->next());
        // The service prefixes what is rolled back; the reason follows exactly as sent.
        QVERIFY2(stored->value(0).toString().endsWith(u": "_s + QString::fromStdString(reason)),
                 qPrintable(stored->value(0).toString()));
    }

    void badInputGetsA400NamingTheField_data()
    {
        QTest::addColumn<QString>("path");
        QTest::addColumn<QString>("field");
        QTest::newRow("unknown parameter") << u"/api/pems/sync-jobs?page=2"_s << u"page"_s;
        QTest::newRow("organizationId")
            << u"/api/pems/sync-jobs?organizationId=x"_s << u"organizationId"_s;
        QTest::newRow("status") << u"/api/pems/sync-jobs?status=done"_s << u"status"_s;
        QTest::newRow("trigger") << u"/api/pems/sync-jobs?trigger=cron"_s << u"trigger"_s;
        QTest::newRow("from without zone")
            << u"/api/pems/sync-jobs?from=2026-01-01T00:00:00"_s << u"from"_s;
        QTest::newRow("to") << u"/api/pems/sync-jobs?to=yesterday"_s << u"to"_s;
        QTest::newRow("limit 0") << u"/api/pems/sync-jobs?limit=0"_s << u"limit"_s;
        QTest::newRow("limit 501") << u"/api/pems/sync-jobs?limit=501"_s << u"limit"_s;
        QTest::newRow("offset") << u"/api/pems/sync-jobs?offset=-1"_s << u"offset"_s;
        QTest::newRow("id") << u"/api/pems/sync-jobs/abc"_s << u"id"_s;
        QTest::newRow("audit unknown") << u"/api/pems/audit?entity=x"_s << u"entity"_s;
        QTest::newRow("audit organizationId")
            << u"/api/pems/audit?organizationId=0"_s << u"organizationId"_s;
        QTest::newRow("audit from") << u"/api/pems/audit?from=2026-13-01"_s << u"from"_s;
        QTest::newRow("audit to") << u"/api/pems/audit?to=2026-01-01T10:00"_s << u"to"_s;
        QTest::newRow("audit limit") << u"/api/pems/audit?limit=1000"_s << u"limit"_s;
        QTest::newRow("audit offset") << u"/api/pems/audit?offset=1000001"_s << u"offset"_s;
        QTest::newRow("audit actor")
            << u"/api/pems/audit?actor="_s + QString(201, u'a') << u"actor"_s;
    }

    void badInputGetsA400NamingTheField()
    {
        QFETCH(QString, path);
        QFETCH(QString, field);
        const auto answer = get(path, m_rioToken);
        QCOMPARE(answer.status, 400);
        QCOMPARE(answer.text("error"), u"INVALID_INPUT"_s);
        QCOMPARE(answer.field(), field);
    }

    void aBadRollbackBodyGetsA400NamingTheField()
    {
        const qint64 jobId = houJob();
        QVERIFY(jobId > 0);
        const QString path = u"/api/pems/sync-jobs/%1/rollback"_s.arg(jobId);
        QCOMPARE(post(path, m_adminToken, nlohmann::json::object()).field(), u"reason"_s);
        QCOMPARE(post(path, m_adminToken, {{"reason", "   "}}).field(), u"reason"_s);
        QCOMPARE(post(path, m_adminToken, {{"reason", 5}}).field(), u"reason"_s);
        const auto unknown = post(path, m_adminToken, {{"reason", "r"}, {"dryRun", true}});
        QCOMPARE(unknown.status, 400);
        QCOMPARE(unknown.field(), u"dryRun"_s);
        const auto notJson = request("POST", path, m_adminToken, "{reason");
        QCOMPARE(notJson.status, 400);
        QCOMPARE(notJson.field(), u"body"_s);
        QCOMPARE(rowCount(u"sync_job"_s), 1);
    }

    void everyRouteNeedsAToken()
    {
        for (const auto& [method, path] :
             {std::pair{QByteArray("GET"), u"/api/pems/sync-jobs"_s},
              std::pair{QByteArray("GET"), u"/api/pems/sync-jobs/1"_s},
              std::pair{QByteArray("POST"), u"/api/pems/sync-jobs/1/rollback"_s},
              std::pair{QByteArray("GET"), u"/api/pems/audit"_s}}) {
            const auto answer = request(method, path, {});
            QCOMPARE(answer.status, 401);
            QCOMPARE(answer.text("error"), u"UNAUTHORIZED"_s);
            QCOMPARE(request(method, path, "pfa_not-a-token").status, 401);
        }
    }

    void jobsOfOtherOrganizationsAnswerLikeMissingOnes()
    {
        const qint64 hou = houJob();
        QVERIFY(hou > 0);
        const qint64 missing = hou + 1000;
        const auto other = get(u"/api/pems/sync-jobs/%1"_s.arg(hou), m_rioToken);
        const auto absent = get(u"/api/pems/sync-jobs/%1"_s.arg(missing), m_rioToken);
        QCOMPARE(other.status, 404);
        QCOMPARE(absent.status, 404);
        QCOMPARE(other.text("error"), absent.text("error"));
        QCOMPARE(other.text("message"),
                 absent.text("message").replace(QString::number(missing), QString::number(hou)));
        const auto rollback =
            post(u"/api/pems/sync-jobs/%1/rollback"_s.arg(hou), m_rioToken, {{"reason", "r"}});
        QCOMPARE(rollback.status, 404);
        QCOMPARE(rollback.text("message"), other.text("message"));

        QCOMPARE(get(u"/api/pems/sync-jobs?organizationId=%1"_s.arg(houId()), m_rioToken).status,
                 404);
        QVERIFY(!listed(get(u"/api/pems/sync-jobs"_s, m_rioToken), hou));
        // The administrator sees every organization's jobs.
        QVERIFY(listed(get(u"/api/pems/sync-jobs"_s, m_adminToken), hou));
        QCOMPARE(get(u"/api/pems/sync-jobs/%1"_s.arg(hou), m_adminToken).status, 200);
    }

    void aLargeRollbackBodyGetsA413()
    {
        const std::string padding(5000, 'x');
        const auto answer =
            post(u"/api/pems/sync-jobs/1/rollback"_s, m_adminToken, {{"reason", padding}});
        QCOMPARE(answer.status, 413);
        QCOMPARE(answer.field(), u"body"_s);
        QCOMPARE(rowCount(u"sync_job"_s), 0);
    }

    void floodingRollbackGetsA429()
    {
        const qint64 hou = houJob();
        QVERIFY(hou > 0);
        int limited = 0;
        QByteArray retryAfter;
        for (int i = 0; i < 12; ++i) {
            // Refused by the permission check, but each still draws on the budget.
            const auto answer = post(u"/api/pems/sync-jobs/%1/rollback"_s.arg(hou), m_viewerToken,
                                     {{"reason", "r"}});
            if (answer.status == 429) {
                ++limited;
                retryAfter = answer.header("Retry-After");
            } else {
                QCOMPARE(answer.status, 404);
            }
        }
        QVERIFY2(limited > 0, "12 writes in a burst against a limit of 5/s");
        QVERIFY(retryAfter.toInt() >= 1);
        QCOMPARE(get(u"/api/pems/sync-jobs"_s, m_viewerToken).status, 200);
    }

    void theAuditLogIsPagedPerOrganizationWithTextVerbatim()
    {
        const qint64 hou = houJob();
        QVERIFY(hou > 0);
        const QString actor = u"<script>alert('a')</script><b>ops</b>"_s;
        for (int i = 0; i < 3; ++i) {
            QVERIFY(db::AuditRepository(world().db().connection())
                        .append({.actor = actor,
                                 .action = u"test.noted"_s,
                                 .organizationId = rioId(),
                                 .entity = u"test"_s,
                                 .entityId = QString::number(i),
                                 .after = {{"note", "<img src=x onerror=alert(1)>"}}}));
        }
        const QString byActor =
            u"/api/pems/audit?actor="_s + QString::fromLatin1(QUrl::toPercentEncoding(actor));
        const auto mine = get(byActor + u"&organizationId=%1&limit=2"_s.arg(rioId()), m_rioToken);
        QCOMPARE(mine.status, 200);
        QCOMPARE(mine.json.value("total", -1), 3);
        QCOMPARE(mine.json["entries"].size(), 2u);
        // Newest first, the text exactly as stored.
        QCOMPARE(mine.json["entries"][0].value("entityId", std::string()), std::string("2"));
        QCOMPARE(mine.json["entries"][0].value("actor", std::string()), actor.toStdString());
        QCOMPARE(mine.json["entries"][0]["after"].value("note", std::string()),
                 std::string("<img src=x onerror=alert(1)>"));
        const auto next = get(byActor + u"&limit=2&offset=2"_s, m_rioToken);
        QCOMPARE(next.json["entries"].size(), 1u);
        QCOMPARE(next.json["entries"][0].value("entityId", std::string()), std::string("0"));
        QCOMPARE(get(byActor + u"&from=2100-01-01"_s, m_rioToken).json.value("total", -1), 0);
        QCOMPARE(get(byActor + u"&to=2000-01-01"_s, m_rioToken).json.value("total", -1), 0);

        // HOU's job is not RIO's business; entries of no organization are administrators' only.
        const QString created = u"/api/pems/audit?action=sync_job.created"_s;
        QCOMPARE(get(created, m_rioToken).json.value("total", -1), 0);
        QCOMPARE(get(created, m_adminToken).json.value("total", -1), 1);
        QCOMPARE(get(u"/api/pems/audit?organizationId=%1"_s.arg(houId()), m_rioToken).status, 404);
        QCOMPARE(get(u"/api/pems/audit?action=token.issued"_s, m_rioToken).json.value("total", -1),
                 0);
        const auto tokens = get(u"/api/pems/audit?action=token.issued"_s, m_adminToken);
        QCOMPARE(tokens.json.value("total", -1), 3);
        for (const QByteArray& secret : {m_rioToken, m_viewerToken, m_adminToken})
            QVERIFY(!tokens.body.contains(secret));
    }

    void theOpenApiFragmentsAreEmbeddedAndNameEveryRoute()
    {
        nlohmann::json paths = nlohmann::json::object();
        for (const QString& group : {u"jobs"_s, u"audit"_s}) {
            QFile file(u":/openapi/%1.json"_s.arg(group));
            QVERIFY2(file.open(QIODevice::ReadOnly), qPrintable(group));
            const auto fragment =
                nlohmann::json::parse(file.readAll().toStdString(), nullptr, false);
            QVERIFY(fragment.is_object());
            QVERIFY(fragment["components"]["schemas"].is_object());
            paths.update(fragment["paths"]);
        }
        for (const auto& [path, method] :
             {std::pair{"/api/pems/sync-jobs", "get"}, std::pair{"/api/pems/sync-jobs/{id}", "get"},
              std::pair{"/api/pems/sync-jobs/{id}/rollback", "post"},
              std::pair{"/api/pems/audit", "get"}})
            QVERIFY2(paths[path].contains(method), path);
    }

    void sqlInjectionInEveryParameterIsRefusedAndTablesStayIntact()
    {
        const qint64 hou = houJob();
        QVERIFY(hou > 0);
        const QStringList attacks{u"1;DROP TABLE sync_job"_s, u"1' OR '1'='1"_s, u"api' OR 1=1--"_s,
                                  u"1 UNION SELECT token_sha256 FROM api_token"_s};
        for (const QString& attack : attacks) {
            const QString value = QString::fromLatin1(QUrl::toPercentEncoding(attack));
            const QStringList paths{
                u"/api/pems/sync-jobs?organizationId="_s + value,
                u"/api/pems/sync-jobs?status="_s + value,
                u"/api/pems/sync-jobs?trigger="_s + value,
                u"/api/pems/sync-jobs?from="_s + value,
                u"/api/pems/sync-jobs?to="_s + value,
                u"/api/pems/sync-jobs?limit="_s + value,
                u"/api/pems/sync-jobs?offset="_s + value,
                u"/api/pems/sync-jobs/"_s + value,
                u"/api/pems/audit?organizationId="_s + value,
                u"/api/pems/audit?from="_s + value,
                u"/api/pems/audit?limit="_s + value,
            };
            for (const QString& path : paths) {
                const auto answer = get(path, m_adminToken);
                QVERIFY2(answer.status == 400 || answer.status == 404, qPrintable(path));
                for (const char* leak : {"SELECT", "pfa_", "syntax", "QPSQL", "api_token"})
                    QVERIFY2(!answer.body.contains(leak), answer.body.constData());
            }
            // Text filters are values to compare, so an attack simply matches nothing.
            for (const QString& name : {u"actor"_s, u"action"_s}) {
                const auto answer = get(u"/api/pems/audit?%1="_s.arg(name) + value, m_adminToken);
                QCOMPARE(answer.status, 200);
                QCOMPARE(answer.json.value("total", -1), 0);
            }
            const auto posted = post(u"/api/pems/sync-jobs/"_s + value + u"/rollback"_s,
                                     m_adminToken, {{"reason", attack.toStdString()}});
            QVERIFY(posted.status == 400 || posted.status == 404);
        }
        QCOMPARE(rowCount(u"sync_job"_s), 1);
        QCOMPARE(rowCount(u"api_token"_s), 3);
    }
};

} // namespace pfa::test

QTEST_GUILESS_MAIN(pfa::test::TstServiceJobs)
#include "tst_service_jobs.moc"
