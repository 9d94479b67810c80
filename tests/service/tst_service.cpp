// The service API end to end over real HTTP and WebSocket on 127.0.0.1: every route's success
// and its 400/401/403/404/413/429, the red-team list of spec/ (SQL injection, stored script,
// cross-organization access, flooding, secrets), the event stream's organization filter and
// /metrics in Prometheus' text format.
#include "ServiceTestCase.h"

#include "db/ConflictRepository.h"
#include "db/Sql.h"
#include "model/IsoDateTime.h"
#include "model/PfaField.h"

#include <QHostAddress>
#include <QProcess>
#include <QRegularExpression>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTcpSocket>
#include <QWebSocket>

using namespace Qt::StringLiterals;
using pfa::model::PfaField;
using pfa::model::SyncStatus;

namespace pfa::test {

class TstService : public ServiceTestCase
{
    Q_OBJECT

    // A RIO (or HOU) conflict raised by the real worker: PEMS changed forecastEnd first.
    qint64 raiseConflict(const QString& code, int number, const model::FieldMap& delta)
    {
        const auto theirs = model::toIsoUtc(
            std::get<QDateTime>(world().record(code, number).at(PfaField::ForecastEnd)).addDays(2));
        if (!world().sim().editRecord(code, SyncFixture::pfaId(number),
                                      nlohmann::json{{"forecastEnd", theirs.toStdString()}}))
            return 0;
        auto committed = world().commit(code, number, delta);
        if (!committed || !world().waitForStatus(committed->modification.id, SyncStatus::Conflict))
            return 0;
        auto open = db::ConflictRepository(world().db().connection())
                        .unresolved(world().organizationId(code));
        return open && !open->empty() ? open->front().id : 0;
    }

    qint64 rowCount(const QString& table)
    {
        auto query = db::runQuery(world().db().connection(), u"count rows",
                                  u"SELECT count(*) FROM "_s + table);
        return query && query->next() ? query->value(0).toLongLong() : -1;
    }

private Q_SLOTS:
    void init() { QVERIFY(setUpService()); }
    void cleanup() { tearDownService(); }

    void healthIsPublicAndEveryOtherRouteNeedsAToken()
    {
        const auto health = get(u"/health"_s, {});
        QCOMPARE(health.status, 200);
        QCOMPARE(health.text("status"), u"ok"_s);

        const QStringList routes{u"/api/pems/sync-status?organizationId=%1"_s.arg(rioId()),
                                 u"/api/pems/conflicts?organizationId=%1"_s.arg(rioId()),
                                 u"/api/pems/conflicts/1"_s, u"/health/write-sync"_s,
                                 u"/metrics"_s};
        for (const QString& route : routes) {
            for (const QByteArray& token : {QByteArray(), QByteArray("pfa_not-a-real-token")}) {
                const auto answer = get(route, token);
                QVERIFY2(answer.status == 401, qPrintable(route));
                QVERIFY2(answer.header("WWW-Authenticate").startsWith("Bearer"), qPrintable(route));
                QVERIFY(!answer.json.value("success", true));
            }
        }
        QCOMPARE(post(u"/api/pems/write-sync"_s, {}, {{"organizationId", rioId()}}).status, 401);

        // A revoked token stops working at once.
        auto tokens = db::TokenRepository(world().db().connection()).list(std::nullopt);
        QVERIFY(tokens);
        const auto ok = get(u"/api/pems/sync-status?organizationId=%1"_s.arg(rioId()), m_rioToken);
        QCOMPARE(ok.status, 200);
        for (const auto& token : *tokens)
            QVERIFY(db::TokenRepository(world().db().connection()).revoke(token.id, u"test"_s));
        QCOMPARE(get(u"/api/pems/sync-status?organizationId=%1"_s.arg(rioId()), m_rioToken).status,
                 401);
    }

    void writeSyncQueuesDraftsAndTheWorkerSyncsThem()
    {
        const qint64 id = draft(u"RIO"_s, 10001, laterForecastEnd(10001, 5));
        QVERIFY(id > 0);
        const auto answer =
            post(u"/api/pems/write-sync"_s, m_rioToken,
                 {{"organizationId", rioId()}, {"modificationIds", {id}}, {"priority", 5}});
        QCOMPARE(answer.status, 202);
        QVERIFY(answer.json.value("success", false));
        QVERIFY(answer.json.value("jobId", 0) > 0);
        QCOMPARE(answer.json.value("committedCount", -1), 1);
        QVERIFY(world().waitForStatus(id, SyncStatus::Synced));
        QVERIFY(pemsRecord(10001)["data"]["forecastEnd"] ==
                model::fieldValueToJson(laterForecastEnd(10001, 5).at(PfaField::ForecastEnd)));

        const auto status = get(
            u"/api/pems/sync-status?organizationId=%1&status=completed"_s.arg(rioId()), m_rioToken);
        QCOMPARE(status.status, 200);
        QCOMPARE(status.json.value("count", -1), 1);

        // Sending it again: it is synced already (a state conflict), and the answer says which.
        const auto again = post(u"/api/pems/write-sync"_s, m_rioToken,
                                {{"organizationId", rioId()}, {"modificationIds", {id}}});
        QCOMPARE(again.status, 409);
        QVERIFY2(again.text("message").contains(QString::number(id)), again.body.constData());
    }

    void badInputGetsA400NamingTheField_data()
    {
        QTest::addColumn<QString>("path");
        QTest::addColumn<QByteArray>("body");
        QTest::addColumn<QString>("field");
        QTest::newRow("not JSON") << u"/api/pems/write-sync"_s << QByteArray("{organizationId: 1")
                                  << QString();
        QTest::newRow("id as text")
            << u"/api/pems/write-sync"_s << QByteArray(R"({"organizationId": "1 OR 1=1"})")
            << u"organizationId"_s;
        QTest::newRow("unknown field")
            << u"/api/pems/write-sync"_s << QByteArray(R"({"organizationId": 1, "sql": "x"})")
            << u"sql"_s;
        QTest::newRow("priority out of range")
            << u"/api/pems/write-sync"_s << QByteArray(R"({"organizationId": 1, "priority": 1000})")
            << u"priority"_s;
        QTest::newRow("pause without reason")
            << u"/api/pems/worker/pause"_s << QByteArray(R"({"organizationId": 1})") << u"reason"_s;
        QTest::newRow("path id not a number")
            << u"/api/pems/conflicts/abc/resolve"_s << QByteArray(R"({"resolution": "use_pems"})")
            << u"id"_s;
    }
    void badInputGetsA400NamingTheField()
    {
        QFETCH(QString, path);
        QFETCH(QByteArray, body);
        QFETCH(QString, field);
        const auto answer = request("POST", path, m_adminToken, body);
        QCOMPARE(answer.status, 400);
        QVERIFY(!answer.json.value("success", true));
        if (!field.isEmpty())
            QCOMPARE(answer.field(), field);
    }

    void sqlInjectionInEveryParameterIsRefusedAndTablesStayIntact()
    {
        const qint64 modifications = rowCount(u"pfa_modification"_s);
        const QStringList attacks{u"1;DROP TABLE pfa_modification"_s, u"1' OR '1'='1"_s,
                                  u"1 UNION SELECT token_sha256 FROM api_token"_s};
        for (const QString& attack : attacks) {
            const QString value = QString::fromLatin1(QUrl::toPercentEncoding(attack));
            const QStringList paths{
                u"/api/pems/sync-status?organizationId="_s + value,
                u"/api/pems/sync-status?organizationId=%1&status="_s.arg(rioId()) + value,
                u"/api/pems/sync-status?organizationId=%1&startDate="_s.arg(rioId()) + value,
                u"/api/pems/conflicts?organizationId="_s + value,
                u"/api/pems/conflicts?organizationId=%1&limit="_s.arg(rioId()) + value,
                u"/api/pems/conflicts/"_s + value,
            };
            for (const QString& path : paths) {
                const auto answer = get(path, m_adminToken);
                QVERIFY2(answer.status == 400 || answer.status == 404, qPrintable(path));
                // Nothing about the schema or the statement leaks into the answer.
                for (const char* leak : {"SELECT", "pfa_", "syntax", "QPSQL", "api_token"})
                    QVERIFY2(!answer.body.contains(leak), answer.body.constData());
            }
            const auto posted = post(u"/api/pems/conflicts/"_s + value + u"/resolve"_s,
                                     m_adminToken, {{"resolution", "use_pems"}});
            QVERIFY(posted.status == 400 || posted.status == 404);
        }
        QCOMPARE(rowCount(u"pfa_modification"_s), modifications);
        QVERIFY(rowCount(u"api_token"_s) == 3);
    }

    void otherOrganizationsAreInvisible()
    {
        // A HOU conflict exists, but a RIO-only user gets the same 404 as for an id that does
        // not exist: ids of other organizations are not disclosed.
        const qint64 conflict =
            raiseConflict(u"HOU"_s, 10002, laterForecastEnd(10002, 9, u"HOU"_s));
        QVERIFY(conflict > 0);
        QCOMPARE(get(u"/api/pems/conflicts/%1"_s.arg(conflict), m_adminToken).status, 200);

        const auto shown = get(u"/api/pems/conflicts/%1"_s.arg(conflict), m_rioToken);
        const auto missing = get(u"/api/pems/conflicts/%1"_s.arg(conflict + 1000), m_rioToken);
        QCOMPARE(shown.status, 404);
        QCOMPARE(missing.status, 404);
        QCOMPARE(shown.text("error"), missing.text("error"));
        QCOMPARE(post(u"/api/pems/conflicts/%1/resolve"_s.arg(conflict), m_rioToken,
                      {{"resolution", "use_pems"}})
                     .status,
                 404);
        QCOMPARE(get(u"/api/pems/sync-status?organizationId=%1"_s.arg(houId()), m_rioToken).status,
                 404);
        // An administrator, member of no organization, may decide it.
        QCOMPARE(post(u"/api/pems/conflicts/%1/resolve"_s.arg(conflict), m_adminToken,
                      {{"resolution", "use_pems"}})
                     .status,
                 200);
        QCOMPARE(get(u"/api/pems/conflicts?organizationId=%1"_s.arg(houId()), m_rioToken).status,
                 404);
        QCOMPARE(post(u"/api/pems/write-sync"_s, m_rioToken, {{"organizationId", houId()}}).status,
                 404);
        QCOMPARE(post(u"/api/pems/worker/pause"_s, m_rioToken,
                      {{"organizationId", houId()}, {"reason", "x"}})
                     .status,
                 404);
        // A HOU draft cannot be smuggled into a RIO request either.
        const qint64 houDraft = draft(u"HOU"_s, 10003, laterForecastEnd(10003, 4, u"HOU"_s));
        const auto smuggled = post(u"/api/pems/write-sync"_s, m_rioToken,
                                   {{"organizationId", rioId()}, {"modificationIds", {houDraft}}});
        QCOMPARE(smuggled.status, 404); // as if it did not exist: it does not, in RIO
        QCOMPARE(world().status(houDraft).value_or(SyncStatus::Synced), SyncStatus::Draft);
    }

    void membersWithoutThePermissionGetA403()
    {
        QCOMPARE(
            get(u"/api/pems/sync-status?organizationId=%1"_s.arg(rioId()), m_viewerToken).status,
            200);
        QCOMPARE(
            post(u"/api/pems/write-sync"_s, m_viewerToken, {{"organizationId", rioId()}}).status,
            403);
        QCOMPARE(post(u"/api/pems/worker/pause"_s, m_rioToken, {{"reason", "everything"}}).status,
                 403); // pausing every organization needs an administrator
        const qint64 conflict = raiseConflict(u"RIO"_s, 10004, laterForecastEnd(10004, 6));
        QVERIFY(conflict > 0);
        QCOMPARE(post(u"/api/pems/conflicts/%1/resolve"_s.arg(conflict), m_viewerToken,
                      {{"resolution", "use_pems"}})
                     .status,
                 403);
    }

    void pauseAndResumeAnOrganization()
    {
        const auto paused = post(u"/api/pems/worker/pause"_s, m_rioToken,
                                 {{"organizationId", rioId()}, {"reason", "maintenance"}});
        QCOMPARE(paused.status, 200);
        auto committed = world().commit(u"RIO"_s, 10005, laterForecastEnd(10005, 3));
        QVERIFY(committed);
        // Paused: it stays queued while the worker runs.
        QVERIFY(!world().waitForStatus(committed->modification.id, SyncStatus::Synced, 1500));
        QCOMPARE(
            post(u"/api/pems/worker/resume"_s, m_rioToken, {{"organizationId", rioId()}}).status,
            200);
        QVERIFY(world().waitForStatus(committed->modification.id, SyncStatus::Synced));
    }

    void conflictsAreListedShownAndResolvedWithScriptKeptVerbatim()
    {
        const QString script = u"<script>alert('x')</script><img src=x onerror=alert(1)>"_s;
        const qint64 conflict = raiseConflict(
            u"RIO"_s, 10006,
            {{PfaField::ForecastEnd, laterForecastEnd(10006, 8).at(PfaField::ForecastEnd)},
             {PfaField::Description, script}});
        QVERIFY(conflict > 0);

        const auto list = get(u"/api/pems/conflicts?organizationId=%1"_s.arg(rioId()), m_rioToken);
        QCOMPARE(list.status, 200);
        QCOMPARE(list.json.value("total", 0), 1);
        QVERIFY(list.header("Content-Type").startsWith("application/json"));

        const auto shown = get(u"/api/pems/conflicts/%1"_s.arg(conflict), m_rioToken);
        QCOMPARE(shown.status, 200);
        QCOMPARE(QString::fromStdString(
                     shown.json["conflict"]["localData"]["description"].get<std::string>()),
                 script);

        const auto unknown = post(u"/api/pems/conflicts/%1/resolve"_s.arg(conflict), m_rioToken,
                                  {{"resolution", "drop"}});
        QCOMPARE(unknown.status, 400);
        QCOMPARE(unknown.field(), u"resolution"_s);
        const auto merge = post(u"/api/pems/conflicts/%1/resolve"_s.arg(conflict), m_rioToken,
                                {{"resolution", "merge"}, {"mergedData", {{"forecastEnd", 7}}}});
        QCOMPARE(merge.status, 400); // not a date
        QCOMPARE(merge.field(), u"mergedData.forecastEnd"_s);

        const auto resolved = post(u"/api/pems/conflicts/%1/resolve"_s.arg(conflict), m_rioToken,
                                   {{"resolution", "use_local"}});
        QCOMPARE(resolved.status, 200);
        const auto twice = post(u"/api/pems/conflicts/%1/resolve"_s.arg(conflict), m_rioToken,
                                {{"resolution", "use_pems"}});
        QCOMPARE(twice.status, 409);
        QVERIFY(world().waitForDrained());
        QCOMPARE(pemsRecord(10006)["data"]["description"].get<std::string>(), script.toStdString());
    }

    void largeBodiesGetA413()
    {
        const std::string padding(5000, 'x');
        const auto answer = post(u"/api/pems/write-sync"_s, m_rioToken,
                                 {{"organizationId", rioId()}, {"padding", padding}});
        QCOMPARE(answer.status, 413);
        QCOMPARE(rowCount(u"sync_job"_s), 0);
    }

    void floodingTheWriteEndpointGetsA429AndLeavesOthersAlone()
    {
        int accepted = 0;
        int limited = 0;
        QByteArray retryAfter;
        for (int i = 0; i < 12; ++i) {
            const auto answer =
                post(u"/api/pems/write-sync"_s, m_rioToken, {{"organizationId", rioId()}});
            if (answer.status == 429) {
                ++limited;
                retryAfter = answer.header("Retry-After");
            } else if (answer.status == 202) {
                ++accepted;
            }
        }
        QVERIFY2(limited > 0, "12 writes in a burst against a limit of 5/s");
        QVERIFY(accepted >= 5);
        QVERIFY(retryAfter.toInt() >= 1);
        // Reads by the same token and writes by another are not limited by it.
        QCOMPARE(get(u"/api/pems/sync-status?organizationId=%1"_s.arg(rioId()), m_rioToken).status,
                 200);
        QCOMPARE(
            post(u"/api/pems/write-sync"_s, m_adminToken, {{"organizationId", rioId()}}).status,
            202);
    }

    void secretsNeverAppearInAnswers()
    {
        const QByteArray pemsKey = PemsSimProcess::defaultApiKey();
        const QStringList routes{u"/health"_s, u"/health/write-sync"_s, u"/metrics"_s,
                                 u"/api/pems/sync-status?organizationId=%1"_s.arg(rioId()),
                                 u"/api/pems/conflicts?organizationId=%1"_s.arg(rioId())};
        QVERIFY(QTest::qWaitFor(
            [&] { return get(u"/health/write-sync"_s, m_adminToken).status != 0; }, 5000));
        for (const QString& route : routes) {
            const auto answer = get(route, m_adminToken);
            QVERIFY2(answer.status == 200 || answer.status == 503, qPrintable(route));
            QVERIFY2(!answer.body.contains(pemsKey), qPrintable(route));
            QVERIFY2(!answer.body.contains(m_adminToken), qPrintable(route));
            QVERIFY2(!answer.body.contains(m_adminToken.mid(4, 20)), qPrintable(route));
        }
    }

    void healthOfTheWritePathProbesPems()
    {
        QVERIFY(QTest::qWaitFor(
            [&] {
                const auto answer = get(u"/health/write-sync"_s, m_adminToken);
                return answer.status == 200 && answer.text("status") == u"healthy"_s;
            },
            10000));
        QVERIFY(world().sim().stop());
        QVERIFY(QTest::qWaitFor(
            [&] { return get(u"/health/write-sync"_s, m_adminToken).status == 503; }, 10000));
    }

    void metricsAreValidPrometheusText()
    {
        auto committed = world().commit(u"RIO"_s, 10007, laterForecastEnd(10007, 2));
        QVERIFY(committed);
        QVERIFY(world().waitForStatus(committed->modification.id, SyncStatus::Synced));
        QCOMPARE(get(u"/health"_s, {}).status, 200);
        const auto answer = get(u"/metrics"_s, m_adminToken);
        QCOMPARE(answer.status, 200);
        QVERIFY(answer.header("Content-Type").startsWith("text/plain"));
        const QString text = QString::fromUtf8(answer.body);
        // name{label="value",...} value [timestamp], as the text exposition format defines it
        static const QRegularExpression sample(
            u"^[a-zA-Z_:][a-zA-Z0-9_:]*"
            "(\\{([a-zA-Z_][a-zA-Z0-9_]*=\"(\\\\.|[^\"\\\\])*\",?)*\\})?"
            " (-?[0-9.eE+-]+|NaN|\\+Inf|-Inf)( -?[0-9]+)?$"_s);
        int samples = 0;
        for (const QString& line : text.split(u'\n', Qt::SkipEmptyParts)) {
            if (line.startsWith(u"# HELP "_s) || line.startsWith(u"# TYPE "_s))
                continue;
            QVERIFY2(sample.match(line).hasMatch(), qPrintable(line));
            ++samples;
        }
        QVERIFY(samples > 10);
        for (const char* family :
             {"pems_sync_queue_size", "pems_sync_dlq_size", "pems_api_rate_limit",
              "pems_sync_items_synced_total", "pfa_service_request_duration_seconds"})
            QVERIFY2(answer.body.contains(family), family);
        QVERIFY(answer.body.contains("pems_sync_items_synced_total 1"));
        QVERIFY(answer.body.contains(
            "pfa_service_request_duration_seconds_count{route=\"/health\",status=\"200\"} 1"));

        const QString promtool = QStandardPaths::findExecutable(u"promtool"_s);
        if (promtool.isEmpty())
            return; // the format check above stands; promtool adds its lint when installed
        QProcess check;
        check.start(promtool, {u"check"_s, u"metrics"_s});
        check.write(answer.body);
        check.closeWriteChannel();
        QVERIFY(check.waitForFinished(10000));
        QVERIFY2(check.exitCode() == 0, check.readAllStandardError().constData());
    }

    void eventStreamsCarryOnlyTheirOrganizationsEventsInOrder()
    {
        QWebSocket rio;
        QWebSocket hou;
        QWebSocket intruder;
        QStringList rioEvents;
        QStringList houEvents;
        QObject::connect(&rio, &QWebSocket::textMessageReceived, this,
                         [&](const QString& text) { rioEvents << text; });
        QObject::connect(&hou, &QWebSocket::textMessageReceived, this,
                         [&](const QString& text) { houEvents << text; });
        bool intruderClosed = false;
        QObject::connect(&intruder, &QWebSocket::disconnected, this,
                         [&] { intruderClosed = true; });
        const auto open = [&](QWebSocket& socket, qint64 organizationId, const QByteArray& token) {
            QNetworkRequest request(
                QUrl(u"ws://127.0.0.1:%1/ws/sync/%2"_s.arg(m_host->port()).arg(organizationId)));
            request.setRawHeader("Authorization", "Bearer " + token);
            socket.open(request);
        };
        open(rio, rioId(), m_rioToken);
        open(hou, houId(), m_adminToken);
        open(intruder, houId(), m_rioToken); // RIO only: refused
        QVERIFY(QTest::qWaitFor([&] { return m_host->relay().clientCount() == 2; }, 10000));
        QVERIFY(QTest::qWaitFor([&] { return intruderClosed; }, 10000));

        std::vector<qint64> ids;
        for (int number : {10008, 10009}) {
            auto committed = world().commit(u"RIO"_s, number, laterForecastEnd(number, 1));
            QVERIFY(committed);
            ids.push_back(committed->modification.id);
        }
        for (qint64 id : ids)
            QVERIFY(world().waitForStatus(id, SyncStatus::Synced));
        const bool bothSynced =
            QTest::qWaitFor([&] { return rioEvents.filter(u"SYNC_SUCCESS"_s).size() == 2; }, 10000);
        QVERIFY2(bothSynced, qPrintable(rioEvents.join(u'\n')));
        // Per modification: queued before synced, as they happened.
        for (qint64 id : ids) {
            const QString marker = u"\"modificationId\":%1,"_s.arg(id);
            const auto queued = rioEvents.indexOf(QRegularExpression(
                u".*"_s + QRegularExpression::escape(marker) + u".*SYNC_QUEUED.*"_s));
            const auto synced = rioEvents.indexOf(QRegularExpression(
                u".*"_s + QRegularExpression::escape(marker) + u".*SYNC_SUCCESS.*"_s));
            QVERIFY2(synced >= 0, qPrintable(rioEvents.join(u'\n')));
            QVERIFY(queued >= 0 && queued < synced);
        }
        for (const QString& event : houEvents)
            QVERIFY2(!event.contains(u"\"organizationId\":%1"_s.arg(rioId())), qPrintable(event));
        rio.close();
        hou.close();
    }

    void aStalledClientIsDroppedWithoutDelayingTheOthers()
    {
        QWebSocket reader;
        std::vector<qint64> received;
        QObject::connect(&reader, &QWebSocket::textMessageReceived, this, [&](const QString& text) {
            const auto json = nlohmann::json::parse(text.toStdString(), nullptr, false);
            received.push_back(json.value("modificationId", qint64(-1)));
        });
        QNetworkRequest request(
            QUrl(u"ws://127.0.0.1:%1/ws/sync/%2"_s.arg(m_host->port()).arg(rioId())));
        request.setRawHeader("Authorization", "Bearer " + m_rioToken);
        reader.open(request);

        // The stalled client: a WebSocket handshake by hand, then it never reads. Qt's read buffer
        // and the kernel's receive window are kept small, so the server's writes back up.
        QTcpSocket stalled;
        stalled.setReadBufferSize(1024);
        stalled.connectToHost(QHostAddress::LocalHost, m_host->port());
        QVERIFY(stalled.waitForConnected(5000));
        stalled.setSocketOption(QAbstractSocket::ReceiveBufferSizeSocketOption, 4096);
        stalled.write("GET /ws/sync/" + QByteArray::number(rioId()) +
                      " HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
                      "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                      "Sec-WebSocket-Version: 13\r\nAuthorization: Bearer " +
                      m_rioToken + "\r\n\r\n");
        QVERIFY(QTest::qWaitFor([&] { return m_host->relay().clientCount() == 2; }, 10000));

        QSignalSpy dropped(&m_host->relay(), &server::EventRelay::clientDropped);
        // Events fed to the relay as the event bus would, in batches; after each batch the
        // reading client must have everything so far, in order.
        const QString pfaId = u"PFA-10001"_s;
        qint64 sent = 0;
        constexpr int Batch = 200;
        constexpr qint64 Limit = 60'000; // ~18 MB of events: far beyond any socket buffer
        while (dropped.isEmpty() && sent < Limit) {
            for (int i = 0; i < Batch; ++i) {
                m_host->relay().relay({.type = model::EventType::SyncQueued,
                                       .organizationId = rioId(),
                                       .pfaId = pfaId,
                                       .modificationId = ++sent,
                                       .status = u"queued"_s,
                                       .at = QDateTime::currentDateTimeUtc()});
            }
            const bool caughtUp =
                QTest::qWaitFor([&] { return qint64(received.size()) == sent; }, 5000);
            QVERIFY2(
                caughtUp,
                qPrintable(u"the reader has %1 of %2 events"_s.arg(received.size()).arg(sent)));
        }
        qInfo() << "the stalled client was dropped after" << sent << "events";
        QCOMPARE(dropped.size(), 1);
        QCOMPARE(dropped.first().first().toString(), u"too slow"_s);
        QCOMPARE(m_host->relay().clientCount(), 1);
        for (std::size_t i = 0; i < received.size(); ++i)
            QCOMPARE(received[i], qint64(i) + 1);

        // The reader goes on receiving after the drop.
        m_host->relay().relay({.type = model::EventType::SyncQueued,
                               .organizationId = rioId(),
                               .pfaId = pfaId,
                               .modificationId = ++sent,
                               .status = u"queued"_s,
                               .at = QDateTime::currentDateTimeUtc()});
        QVERIFY(QTest::qWaitFor([&] { return qint64(received.size()) == sent; }, 5000));
        reader.close();
    }
};

} // namespace pfa::test

QTEST_GUILESS_MAIN(pfa::test::TstService)
#include "tst_service.moc"
