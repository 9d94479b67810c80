// pems-sim as a program: its one stdout line, --help, bad arguments, seed files, generated data,
// and the snapshot that lets a restart keep versions and history (proved through HTTP).
#include "SimTestCase.h"

#include <QFile>
#include <QProcess>
#include <QRegularExpression>
#include <QTemporaryDir>

#include <csignal>

using namespace Qt::StringLiterals;
using pfa::test::HttpResult;
using pfa::test::PemsSimProcess;
using Json = nlohmann::json;

namespace {

const QString Rio = u"RIO"_s;
const QString First = u"PFA-10001"_s;

struct Run
{
    int exitCode = -1;
    QByteArray out;
    QByteArray err;
};

// pems-sim run to completion (for --help and arguments that stop it).
Run runToEnd(const QStringList& arguments)
{
    QProcess process;
    process.start(PemsSimProcess::binaryPath(), arguments);
    Run run;
    if (!process.waitForFinished(15000)) {
        process.kill();
        process.waitForFinished();
        return run;
    }
    run.exitCode = process.exitStatus() == QProcess::NormalExit ? process.exitCode() : -1;
    run.out = process.readAllStandardOutput();
    run.err = process.readAllStandardError();
    return run;
}

bool writeFile(const QString& path, const QByteArray& content)
{
    QFile file(path);
    return file.open(QIODevice::WriteOnly) && file.write(content) == content.size();
}

Json readJsonFile(const QString& path)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return nullptr;
    return Json::parse(file.readAll().toStdString(), nullptr, false);
}

// The version of a record in a snapshot file, -1 when absent or unreadable.
qint64 versionInSnapshot(const QString& path, const char* pfaId)
{
    const Json snapshot = readJsonFile(path);
    if (!snapshot.is_object() || !snapshot.contains("records"))
        return -1;
    for (const Json& record : snapshot.at("records")) {
        if (record.at("pfaId") == pfaId)
            return record.at("version").get<qint64>();
    }
    return -1;
}

} // namespace

class TestPemsSimProcess final : public pfa::test::SimTestCase
{
    Q_OBJECT

private Q_SLOTS:
    void init() { m_dir = std::make_unique<QTemporaryDir>(); }
    void cleanup()
    {
        stopSim(); // before the directory goes: stopping writes the snapshot
        m_dir.reset();
    }

    void printsExactlyOneListeningLine();
    void helpDocumentsEveryOption();
    void badArgumentsStopWithAMessage_data();
    void badArgumentsStopWithAMessage();
    void generatedRecordsAreDeterministic();
    void seedFileLoadsRecords();
    void invalidSeedFileStopsStartup();
    void snapshotRestartKeepsState();
    void snapshotIsWrittenWhileRunning();

private:
    std::unique_ptr<QTemporaryDir> m_dir;
};

void TestPemsSimProcess::printsExactlyOneListeningLine()
{
    QProcess process;
    process.start(PemsSimProcess::binaryPath(), {u"--port"_s, u"0"_s, u"--generate"_s, u"2"_s});
    QVERIFY(process.waitForStarted());
    QTRY_VERIFY_WITH_TIMEOUT(process.canReadLine(), 15000);
    const QString line = QString::fromUtf8(process.readLine());
    static const QRegularExpression pattern(
        u"^pems-sim listening on http://127\\.0\\.0\\.1:(\\d+)\\n$"_s);
    const QRegularExpressionMatch match = pattern.match(line);
    QVERIFY2(match.hasMatch(), qPrintable(line));
    QVERIFY(match.capturedView(1).toUInt() > 0);

    ::kill(static_cast<pid_t>(process.processId()), SIGINT);
    QVERIFY(process.waitForFinished(15000));
    QCOMPARE(process.exitStatus(), QProcess::NormalExit);
    QCOMPARE(process.exitCode(), 0);
    QCOMPARE(process.readAllStandardOutput(), QByteArray()); // nothing after the one line
}

void TestPemsSimProcess::helpDocumentsEveryOption()
{
    const Run run = runToEnd({u"--help"_s});
    QCOMPARE(run.exitCode, 0);
    for (const char* needle : {"--host",
                               "--port",
                               "--api-key",
                               "KEY=RIO,HOU",
                               "--admin-key",
                               "--generate",
                               "--orgs",
                               "--seed-file",
                               "--snapshot",
                               "--rate-limit",
                               "--seed",
                               "--idempotency-capacity",
                               "Idempotency-Key",
                               "/__admin/faults",
                               "hangProbability",
                               "dropProbability",
                               "/__admin/records/{org}/{pfaId}",
                               "/__admin/stats",
                               "/__admin/idempotency/{key}",
                               "retryAfterFormat",
                               "SIGTERM"})
        QVERIFY2(run.out.contains(needle), needle);
}

void TestPemsSimProcess::badArgumentsStopWithAMessage_data()
{
    QTest::addColumn<QStringList>("arguments");
    QTest::addColumn<QByteArray>("message");
    QTest::newRow("rate limit") << QStringList{u"--rate-limit"_s, u"lots"_s}
                                << QByteArray("--rate-limit");
    QTest::newRow("port") << QStringList{u"--port"_s, u"70000"_s} << QByteArray("--port");
    QTest::newRow("host") << QStringList{u"--host"_s, u"not an address"_s} << QByteArray("--host");
    QTest::newRow("unknown option") << QStringList{u"--frobnicate"_s} << QByteArray("frobnicate");
    QTest::newRow("key without organizations")
        << QStringList{u"--api-key"_s, u"k=,"_s} << QByteArray("--api-key");
}

void TestPemsSimProcess::badArgumentsStopWithAMessage()
{
    QFETCH(QStringList, arguments);
    QFETCH(QByteArray, message);
    const Run run = runToEnd(arguments);
    QCOMPARE(run.exitCode, 2);
    QVERIFY2(run.err.contains(message), run.err.constData());
    QVERIFY(run.out.isEmpty());
}

void TestPemsSimProcess::generatedRecordsAreDeterministic()
{
    const auto dataOf = [this](const QStringList& arguments) {
        startSim(arguments);
        const HttpResult result = http().get(u"HOU"_s, u"PFA-10002"_s);
        stopSim();
        return result.status == 200 ? result.json.at("data") : Json();
    };
    const Json first =
        dataOf({u"--generate"_s, u"3"_s, u"--orgs"_s, u"RIO,HOU"_s, u"--seed"_s, u"9"_s});
    QVERIFY(first.is_object());
    const Json again =
        dataOf({u"--generate"_s, u"3"_s, u"--orgs"_s, u"RIO,HOU"_s, u"--seed"_s, u"9"_s});
    QCOMPARE(again, first);
    const Json other =
        dataOf({u"--generate"_s, u"3"_s, u"--orgs"_s, u"RIO,HOU"_s, u"--seed"_s, u"10"_s});
    QVERIFY(other.is_object());
    QVERIFY(other != first);
}

void TestPemsSimProcess::seedFileLoadsRecords()
{
    QTemporaryDir& dir = *m_dir;
    QVERIFY(dir.isValid());
    const QString path = dir.filePath(u"records.json"_s);
    const Json records = Json::array({{{"pfaId", "PFA-1"},
                                       {"organizationCode", "RIO"},
                                       {"source", "Purchase"},
                                       {"purchasePrice", 125000.5},
                                       {"description", "Compressor"}},
                                      {{"pfaId", "PFA-2"},
                                       {"organizationCode", "HOU"},
                                       {"source", "Rental"},
                                       {"monthlyRate", "1800.00"},
                                       {"forecastStart", "2026-04-01"},
                                       {"forecastEnd", "2026-10-01T00:00:00Z"}}});
    QVERIFY(writeFile(path, QByteArray::fromStdString(Json({{"records", records}}).dump())));

    START_SIM({u"--seed-file"_s, path});
    const HttpResult rio = http().get(Rio, u"PFA-1"_s);
    QCOMPARE_STATUS(rio, 200);
    QCOMPARE(rio.json.at("version"), 1);
    QCOMPARE(rio.json.at("data").at("purchasePrice"), "125000.50");
    const HttpResult hou = http().get(u"HOU"_s, u"PFA-2"_s);
    QCOMPARE_STATUS(hou, 200);
    QCOMPARE(hou.json.at("data").at("forecastStart"), "2026-04-01T00:00:00.000Z");
}

void TestPemsSimProcess::invalidSeedFileStopsStartup()
{
    QTemporaryDir& dir = *m_dir;
    QVERIFY(dir.isValid());
    const QString path = dir.filePath(u"records.json"_s);
    QVERIFY(writeFile(path, R"([{"pfaId":"PFA-1","organizationCode":"RIO","source":"Lease"}])"));
    const Run run = runToEnd({u"--port"_s, u"0"_s, u"--seed-file"_s, path});
    QCOMPARE(run.exitCode, 1);
    QVERIFY2(run.err.contains("source"), run.err.constData());
    QVERIFY(run.out.isEmpty()); // it never listened
}

void TestPemsSimProcess::snapshotRestartKeepsState()
{
    QTemporaryDir& dir = *m_dir;
    QVERIFY(dir.isValid());
    const QString snapshot = dir.filePath(u"state.json"_s);
    const QStringList arguments{u"--generate"_s, u"5"_s, u"--snapshot"_s, snapshot};

    START_SIM(arguments);
    QCOMPARE_STATUS(http().update(Rio, First, 1, {{"description", "first"}}), 200);
    QCOMPARE_STATUS(http().update(Rio, First, 2, {{"description", "second"}, {"model", "M2"}}),
                    200);
    QCOMPARE_STATUS(http().remove(Rio, u"PFA-10002"_s, 1), 200);
    QVERIFY_OK(sim().editRecord(Rio, u"PFA-10003"_s, {{"isDiscontinued", true}}));
    const HttpResult pageBefore = http().list(u"organizationCode=RIO&limit=3"_s);
    QCOMPARE_STATUS(pageBefore, 200);
    const auto historyBefore = sim().record(Rio, First);
    QVERIFY_OK(historyBefore);
    stopSim(); // SIGTERM writes the snapshot
    QVERIFY(QFile::exists(snapshot));

    START_SIM(arguments); // --generate is ignored: the snapshot exists
    const HttpResult first = http().get(Rio, First);
    QCOMPARE_STATUS(first, 200);
    QCOMPARE(first.json.at("version"), 3);
    QCOMPARE(first.json.at("data").at("description"), "second");
    QCOMPARE(first.json.at("data").at("model"), "M2");
    QCOMPARE_STATUS(http().get(Rio, u"PFA-10002"_s), 404);
    QCOMPARE(http().get(Rio, u"PFA-10003"_s).json.at("version"), 2);

    const auto historyAfter = sim().record(Rio, First);
    QVERIFY_OK(historyAfter);
    QCOMPARE(*historyAfter, *historyBefore); // every version, its time, source and changes

    // The feed keeps its order and the cursor handed out before the restart still works.
    const HttpResult pageAfter = http().list(u"organizationCode=RIO&limit=3"_s);
    QCOMPARE(pageAfter.body, pageBefore.body);
    const HttpResult rest =
        http().list(u"organizationCode=RIO&cursor="_s +
                    QString::fromStdString(pageBefore.json.at("nextCursor").get<std::string>()));
    QCOMPARE_STATUS(rest, 200);
    QCOMPARE(rest.json.at("records").size(), std::size_t{2});
    QCOMPARE(rest.json.at("records").back().at("pfaId"), "PFA-10003");

    // Optimistic locking carries on from the restored versions.
    QCOMPARE_STATUS(http().update(Rio, First, 2, {{"description", "stale"}}), 409);
    const HttpResult next = http().update(Rio, First, 3, {{"description", "after restart"}});
    QCOMPARE_STATUS(next, 200);
    QCOMPARE(next.json.at("newVersion"), 4);
    QVERIFY(next.json.at("updatedAt") >= first.json.at("updatedAt"));
}

void TestPemsSimProcess::snapshotIsWrittenWhileRunning()
{
    QTemporaryDir& dir = *m_dir;
    QVERIFY(dir.isValid());
    const QString snapshot = dir.filePath(u"state.json"_s);
    START_SIM({u"--generate"_s, u"2"_s, u"--snapshot"_s, snapshot});
    // The generated state is saved without waiting for a shutdown...
    QTRY_COMPARE_WITH_TIMEOUT(versionInSnapshot(snapshot, "PFA-10001"), 1, 10000);
    // ...and so is every change, a few seconds later at most.
    QCOMPARE_STATUS(http().update(Rio, First, 1, {{"model", "saved"}}), 200);
    QTRY_COMPARE_WITH_TIMEOUT(versionInSnapshot(snapshot, "PFA-10001"), 2, 10000);
}

QTEST_GUILESS_MAIN(TestPemsSimProcess)
#include "tst_pemssim_process.moc"
