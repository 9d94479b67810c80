// `pfa-sync --service` as the process systemd runs: SIGTERM while requests are in flight at
// PEMS must lose nothing (every modification ends synced, or queued again for the next start,
// none stuck in `syncing` or under a lease), exit 0, and a restart must finish the rest without
// applying anything twice. Its `--log-format json` output is checked line by line on the way.
#include "support/SyncFixture.h"
#include "support/Verify.h"
#include "support/WorkerProcess.h"

#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QSignalSpy>
#include <QTest>

#include <nlohmann/json.hpp>

using namespace Qt::StringLiterals;
using pfa::model::FieldMap;
using pfa::model::PfaField;

namespace pfa::test {

namespace {

const QString Org = u"RIO"_s;
constexpr int Records = 60;
constexpr int ChangesPerRecord = 3;
// PEMS answers each PUT this late: with 16 in flight, SIGTERM always finds requests at PEMS.
constexpr int PutLatencyMs = 150;

} // namespace

class TstServiceProcess : public QObject
{
    Q_OBJECT

private:
    qint64 count(const QString& sql)
    {
        auto value = m_world->db().count(sql);
        return value ? *value : -1;
    }

    int healthStatus(quint16 port)
    {
        QNetworkAccessManager network;
        std::unique_ptr<QNetworkReply> reply(
            network.get(QNetworkRequest(QUrl(u"http://127.0.0.1:%1/health"_s.arg(port)))));
        QSignalSpy finished(reply.get(), &QNetworkReply::finished);
        if (!finished.wait(10000))
            return 0;
        return reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    }

    // Everything but the stdout "listening" line is a log line, and each must be one JSON
    // object with the fields of docs/service.md.
    void verifyJsonLogLines(const QByteArray& output, bool& sawRequestLog)
    {
        for (const QByteArray& line : output.split('\n')) {
            if (line.isEmpty() || line.startsWith("pfa-sync service listening on "))
                continue;
            const auto json = nlohmann::json::parse(line.toStdString(), nullptr, false);
            QVERIFY2(json.is_object(), line.constData());
            for (const char* key : {"time", "level", "category", "message", "pid"})
                QVERIFY2(json.contains(key), line.constData());
            if (json["category"] == "pfa.server" &&
                json["message"].get<std::string>().find("/health") != std::string::npos)
                sawRequestLog = true;
        }
    }

private Q_SLOTS:
    void init()
    {
        auto world = SyncFixture::create({.recordsPerOrganization = Records});
        PFA_VERIFY_OK(world);
        m_world = std::move(*world);
    }
    void cleanup() { m_world.reset(); }

    void sigtermDrainsAndLosesNothing()
    {
        std::vector<std::pair<int, FieldMap>> changes;
        for (int round = 1; round <= ChangesPerRecord; ++round)
            for (int number = 10001; number < 10001 + Records; ++number)
                changes.push_back(
                    {number,
                     {{PfaField::Description, u"round %1 of %2"_s.arg(round).arg(number)}}});
        auto committed = m_world->commitMany(Org, changes);
        PFA_VERIFY_OK(committed);
        PFA_VERIFY_OK(m_world->sim().setFaults(
            {{"seed", 7}, {"routes", {{"PUT", {{"latencyMs", PutLatencyMs}}}}}}));

        // A record's three changes go out as one request; at 20 requests a second the queue
        // outlasts the moment SIGTERM arrives.
        const QProcessEnvironment environment = WorkerProcess::environment(
            *m_world, {.rateLimit = 20, .concurrency = 16, .batchSize = 20});
        const auto service = WorkerProcess::service(QStringLiteral(PFA_SYNC_BINARY), environment);
        PFA_VERIFY_OK(service->start());
        const quint16 port = service->servicePort();
        QVERIFY(port != 0);
        QCOMPARE(healthStatus(port), 200);

        const QString settled = u"SELECT count(*) FROM pfa_modification"
                                " WHERE sync_status = 'synced'"_s;
        const QString atPems =
            u"SELECT count(*) FROM pfa_write_queue WHERE status = 'processing'"_s;
        QVERIFY2(QTest::qWaitFor([&] { return count(settled) >= 10 && count(atPems) > 0; }, 30000),
                 service->output().constData());
        const qint64 inFlightAtSigterm = count(atPems);

        auto stopped = service->stop();
        PFA_VERIFY_OK(stopped);
        QCOMPARE(*stopped, 0);

        // Nothing half-done: no modification claimed as syncing, no lease left, and every
        // modification either confirmed by PEMS or waiting for the next start.
        QCOMPARE(count(u"SELECT count(*) FROM pfa_write_queue WHERE status = 'processing'"
                       " OR locked_by IS NOT NULL"_s),
                 qint64(0));
        QCOMPARE(count(u"SELECT count(*) FROM pfa_modification"
                       " WHERE sync_status NOT IN ('synced', 'queued')"_s),
                 qint64(0));
        const qint64 left = count(u"SELECT count(*) FROM pfa_modification"
                                  " WHERE sync_status = 'queued'"_s);
        QVERIFY2(left > 0, "the first run drained everything: SIGTERM tested nothing");
        qInfo("SIGTERM with %lld requests at PEMS; %lld modifications left queued",
              inFlightAtSigterm, left);

        bool sawRequestLog = false;
        verifyJsonLogLines(service->output(), sawRequestLog);
        QVERIFY(sawRequestLog);

        // The next start finishes the queue; PEMS applied each change exactly once.
        PFA_VERIFY_OK(m_world->sim().setFaults({{"seed", 7}}));
        PFA_VERIFY_OK(service->start());
        QVERIFY2(m_world->waitForDrained(60000), service->output().constData());
        QCOMPARE(count(settled), qint64(Records * ChangesPerRecord));
        auto stoppedAgain = service->stop();
        PFA_VERIFY_OK(stoppedAgain);
        QCOMPARE(*stoppedAgain, 0);
        auto stats = m_world->sim().stats();
        PFA_VERIFY_OK(stats);
        QCOMPARE((*stats)["duplicateApplications"].get<qint64>(), qint64(0));
        const auto record = m_world->sim().record(Org, SyncFixture::pfaId(10001));
        PFA_VERIFY_OK(record);
        QCOMPARE((*record)["data"]["description"].get<std::string>(),
                 std::string("round 3 of 10001"));
    }

private:
    std::unique_ptr<SyncFixture> m_world;
};

} // namespace pfa::test

QTEST_GUILESS_MAIN(pfa::test::TstServiceProcess)
#include "tst_serviceprocess.moc"
