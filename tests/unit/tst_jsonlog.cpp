#include "shared/JsonLog.h"

#include <QLoggingCategory>
#include <QTemporaryFile>
#include <QTest>
#include <QThread>

#include <nlohmann/json.hpp>

#include <cstdio>
#include <unistd.h>

using namespace Qt::StringLiterals;
using pfa::app::JsonLog;

namespace {

Q_LOGGING_CATEGORY(lcTest, "pfa.test")

nlohmann::json parsed(const QByteArray& line)
{
    return nlohmann::json::parse(line.toStdString(), nullptr, false);
}

// Points stderr at a file for the lifetime of the object, so the handler's real output is read.
class CapturedStderr
{
public:
    explicit CapturedStderr(const QString& path)
    {
        std::fflush(stderr);
        m_saved = ::dup(STDERR_FILENO);
        std::FILE* file = std::fopen(path.toLocal8Bit().constData(), "w");
        ::dup2(::fileno(file), STDERR_FILENO);
        std::fclose(file);
    }
    ~CapturedStderr()
    {
        std::fflush(stderr);
        ::dup2(m_saved, STDERR_FILENO);
        ::close(m_saved);
    }
    CapturedStderr(const CapturedStderr&) = delete;
    CapturedStderr& operator=(const CapturedStderr&) = delete;

private:
    int m_saved = -1;
};

} // namespace

class tst_JsonLog : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void oneObjectPerLine()
    {
        const QDateTime time(QDate(2026, 12, 7), QTime(15, 4, 5, 678), Qt::UTC);
        const QByteArray line =
            JsonLog::format(QtWarningMsg, "pfa.sync", u"PEMS answered 503"_s, time, 4242);
        QVERIFY(line.endsWith('\n'));
        QCOMPARE(line.count('\n'), 1);
        const auto json = parsed(line);
        QVERIFY(!json.is_discarded());
        QCOMPARE(json["time"].get<std::string>(), std::string("2026-12-07T15:04:05.678Z"));
        QCOMPARE(json["level"].get<std::string>(), std::string("warning"));
        QCOMPARE(json["category"].get<std::string>(), std::string("pfa.sync"));
        QCOMPARE(json["message"].get<std::string>(), std::string("PEMS answered 503"));
        QCOMPARE(json["pid"].get<qint64>(), qint64(4242));
    }

    // A message is data: quotes, newlines and markup stay inside the one line, verbatim.
    void messageTextCannotBreakTheLine()
    {
        const QString hostile = u"line one\nline two \"quoted\" \\ <script>\u00e9\u2603"_s;
        const QByteArray line =
            JsonLog::format(QtInfoMsg, nullptr, hostile, QDateTime::currentDateTimeUtc(), 1);
        QCOMPARE(line.count('\n'), 1);
        const auto json = parsed(line);
        QVERIFY(!json.is_discarded());
        QCOMPARE(QString::fromStdString(json["message"].get<std::string>()), hostile);
        QCOMPARE(json["category"].get<std::string>(), std::string("default"));
        QCOMPARE(json["level"].get<std::string>(), std::string("info"));
    }

    // Installed, every qC* call of every thread ends up as a parseable line on stderr.
    void installedHandlerWritesEveryThreadsMessages()
    {
        QTemporaryFile file;
        QVERIFY(file.open());
        {
            const CapturedStderr capture(file.fileName());
            JsonLog::install();
            qCWarning(lcTest) << "from the main thread";
            std::unique_ptr<QThread> thread(QThread::create([] {
                for (int i = 0; i < 50; ++i)
                    qCInfo(lcTest) << "from a worker" << i;
            }));
            thread->start();
            for (int i = 0; i < 50; ++i)
                qCInfo(lcTest) << "main" << i;
            QVERIFY(thread->wait(10000));
            qInstallMessageHandler(nullptr);
        }
        const QList<QByteArray> lines = file.readAll().split('\n');
        int objects = 0;
        bool sawWorker = false;
        for (const QByteArray& line : lines) {
            if (line.isEmpty())
                continue;
            const auto json = parsed(line);
            QVERIFY2(!json.is_discarded(), line.constData());
            QCOMPARE(json["category"].get<std::string>(), std::string("pfa.test"));
            sawWorker |= json["message"].get<std::string>().starts_with("from a worker");
            ++objects;
        }
        QCOMPARE(objects, 101);
        QVERIFY(sawWorker);
    }
};

QTEST_GUILESS_MAIN(tst_JsonLog)
#include "tst_jsonlog.moc"
