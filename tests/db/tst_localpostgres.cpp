#include "db/DatabaseUrl.h"
#include "db/LocalPostgres.h"
#include "support/TestCluster.h"

#include <QDeadlineTimer>
#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QFileInfo>
#include <QProcess>
#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>
#include <QTemporaryDir>
#include <QTest>

#include <csignal>

using namespace Qt::StringLiterals;
using namespace std::chrono_literals;
using pfa::db::LocalPostgres;

namespace pfa::test {

namespace {

// A zombie has exited; init may be slow to reap an orphan in a container.
bool processAlive(qint64 pid)
{
    if (pid <= 0 || (::kill(static_cast<pid_t>(pid), 0) != 0 && errno != EPERM))
        return false;
    QFile stat(u"/proc/%1/stat"_s.arg(pid));
    if (!stat.open(QIODevice::ReadOnly))
        return true;
    const QByteArray line = stat.readAll();
    const qsizetype commandEnd = line.lastIndexOf(')');
    return commandEnd < 0 || commandEnd + 2 >= line.size() ||
           (line[commandEnd + 2] != 'Z' && line[commandEnd + 2] != 'X');
}

QString describe(const Expected<void>& result)
{
    return result ? QString() : result.error().toString();
}

// Designated initializers would trip -Wmissing-field-initializers on GCC 12.
LocalPostgres::Options fastOptions(const QString& dataDir = {})
{
    LocalPostgres::Options options;
    options.dataDir = dataDir;
    options.fastUnsafe = true;
    return options;
}

// A named QPSQL connection for the length of a scope.
struct Connection
{
    explicit Connection(const QString& url)
        : name(u"tst_localpostgres_%1"_s.arg(++count))
    {
        QSqlDatabase db = QSqlDatabase::addDatabase(u"QPSQL"_s, name);
        if (const auto params = db::parseDatabaseUrl(url)) {
            db::applyTo(*params, db);
            db.open();
        }
    }
    ~Connection()
    {
        QSqlDatabase::database(name, false).close();
        QSqlDatabase::removeDatabase(name);
    }
    Q_DISABLE_COPY_MOVE(Connection)

    [[nodiscard]] bool isOpen() const { return QSqlDatabase::database(name, false).isOpen(); }
    [[nodiscard]] QString lastError() const
    {
        return QSqlDatabase::database(name, false).lastError().text();
    }
    // The first column of the first row; an invalid QVariant (and a warning) on error.
    QVariant value(const QString& sql) const
    {
        QSqlQuery query(QSqlDatabase::database(name, false));
        if (!query.exec(sql)) {
            qWarning("%s: %s", qPrintable(sql), qPrintable(query.lastError().text()));
            return {};
        }
        return query.next() ? query.value(0) : QVariant();
    }
    bool exec(const QString& sql) const
    {
        QSqlQuery query(QSqlDatabase::database(name, false));
        const bool ok = query.exec(sql);
        if (!ok)
            qWarning("%s: %s", qPrintable(sql), qPrintable(query.lastError().text()));
        return ok;
    }

    inline static int count = 0;
    const QString name;
};

} // namespace

class TstLocalPostgres final : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void startsAndStops();
    void queriesOverTheSocket();
    void hasNoTcpListener();
    void clonesDatabasesFromATemplate();
    void doesNotOutliveAKilledParent();
    void reusesAPersistentDataDirectory();
    void reportsWhyPostgresDidNotStart();
};

void TstLocalPostgres::startsAndStops()
{
    LocalPostgres postgres(fastOptions());
    QVERIFY(!postgres.isRunning());
    QCOMPARE(postgres.pid(), 0);

    QElapsedTimer timer;
    timer.start();
    const auto started = postgres.start();
    QVERIFY2(started, qPrintable(describe(started)));
    qInfo("fresh cluster (initdb + ready): %lld ms", timer.elapsed());

    QVERIFY(postgres.isRunning());
    const qint64 pid = postgres.pid();
    QVERIFY(processAlive(pid));
    const QString socketDir = postgres.socketDirectory();
    QVERIFY(QFileInfo::exists(socketDir + u"/.s.PGSQL.5432"_s));
    const auto othersAndGroup = QFileDevice::ReadGroup | QFileDevice::WriteGroup |
                                QFileDevice::ExeGroup | QFileDevice::ReadOther |
                                QFileDevice::WriteOther | QFileDevice::ExeOther;
    QCOMPARE(QFileInfo(socketDir).permissions() & othersAndGroup, QFileDevice::Permissions());
    QVERIFY(QFileInfo::exists(postgres.dataDirectory() + u"/PG_VERSION"_s));
    QVERIFY(postgres.databaseUrl(u"x"_s).startsWith(u"postgresql://pfa@/x?host=%2F"_s));

    QVERIFY2(postgres.start(), "a second start() of a running cluster does nothing");
    QCOMPARE(postgres.pid(), pid);

    const auto stopped = postgres.stop();
    QVERIFY2(stopped, qPrintable(describe(stopped)));
    QVERIFY(!postgres.isRunning());
    QCOMPARE(postgres.pid(), 0);
    QVERIFY(!processAlive(pid));
    QVERIFY(!QFileInfo::exists(socketDir + u"/.s.PGSQL.5432"_s));
    QVERIFY(postgres.stop());
}

void TstLocalPostgres::queriesOverTheSocket()
{
    const auto url = TestCluster::createDatabase(u"queries_over_the_socket"_s);
    QVERIFY2(url, qPrintable(url ? QString() : url.error().toString()));
    {
        const Connection connection(*url);
        QVERIFY2(connection.isOpen(), qPrintable(connection.lastError()));
        QVERIFY(connection.value(u"SELECT version()"_s).toString().startsWith(u"PostgreSQL"_s));
        QCOMPARE(connection.value(u"SELECT current_user"_s).toString(), u"pfa"_s);
        // A Unix-socket session has no server address.
        QVERIFY(connection.value(u"SELECT inet_server_addr() IS NULL"_s).toBool());
    }
    QVERIFY(TestCluster::dropDatabase(u"queries_over_the_socket"_s));
}

void TstLocalPostgres::hasNoTcpListener()
{
    const Connection connection(TestCluster::databaseUrl(u"postgres"_s));
    QVERIFY2(connection.isOpen(), qPrintable(connection.lastError()));
    QCOMPARE(connection.value(u"SHOW listen_addresses"_s).toString(), QString());
}

void TstLocalPostgres::clonesDatabasesFromATemplate()
{
    const auto templateUrl = TestCluster::createDatabase(u"template_source"_s);
    QVERIFY(templateUrl);
    {
        const Connection connection(*templateUrl);
        QVERIFY(connection.exec(u"CREATE TABLE t (v text)"_s));
        QVERIFY(connection.exec(u"INSERT INTO t VALUES ('from the template')"_s));
    } // CREATE DATABASE … TEMPLATE needs the template to have no sessions.

    QElapsedTimer timer;
    timer.start();
    const auto urlA = TestCluster::createDatabase(u"clone_a"_s, u"template_source"_s);
    QVERIFY2(urlA, qPrintable(urlA ? QString() : urlA.error().toString()));
    qInfo("first database from a template: %lld ms", timer.restart());
    const auto urlB = TestCluster::createDatabase(u"clone_b"_s, u"template_source"_s);
    QVERIFY2(urlB, qPrintable(urlB ? QString() : urlB.error().toString()));
    qInfo("second database from a template: %lld ms", timer.elapsed());
    {
        const Connection a(*urlA);
        const Connection b(*urlB);
        QCOMPARE(a.value(u"SELECT v FROM t"_s).toString(), u"from the template"_s);
        QVERIFY(a.exec(u"INSERT INTO t VALUES ('only in a')"_s));
        QCOMPARE(a.value(u"SELECT count(*) FROM t"_s).toInt(), 2);
        QCOMPARE(b.value(u"SELECT count(*) FROM t"_s).toInt(), 1);
    }
    for (const QString& name : {u"clone_a"_s, u"clone_b"_s, u"template_source"_s}) {
        const auto dropped = TestCluster::dropDatabase(name);
        QVERIFY2(dropped, qPrintable(describe(dropped)));
    }
    QVERIFY2(TestCluster::dropDatabase(u"clone_a"_s), "dropping a missing database is no error");
}

void TstLocalPostgres::doesNotOutliveAKilledParent()
{
    QProcess helper;
    helper.setProcessChannelMode(QProcess::ForwardedErrorChannel);
    helper.start(QStringLiteral(PFA_ORPHAN_HELPER), {});
    QVERIFY2(helper.waitForStarted(), qPrintable(helper.errorString()));

    qint64 postmaster = 0;
    QString socketDir;
    const QDeadlineTimer deadline(60s);
    while ((postmaster == 0 || socketDir.isEmpty()) && !deadline.hasExpired()) {
        if (!helper.canReadLine() &&
            !helper.waitForReadyRead(static_cast<int>(deadline.remainingTime())))
            break;
        while (helper.canReadLine()) {
            const QString line = QString::fromUtf8(helper.readLine()).trimmed();
            if (line.startsWith(u"pid "_s))
                postmaster = line.mid(4).toLongLong();
            else if (line.startsWith(u"socket "_s))
                socketDir = line.mid(7);
        }
    }
    QVERIFY2(postmaster > 0 && !socketDir.isEmpty(), "the helper did not report its cluster");
    QVERIFY(processAlive(postmaster));

    ::kill(static_cast<pid_t>(helper.processId()), SIGKILL);
    QVERIFY(helper.waitForFinished(10000));
    QCOMPARE(helper.exitStatus(), QProcess::CrashExit);

    // PR_SET_PDEATHSIG delivers SIGQUIT; the postmaster takes its backends down and exits.
    QTRY_VERIFY_WITH_TIMEOUT(!processAlive(postmaster), 20000);

    // The helper left its directory behind; the stale-directory sweep takes it.
    LocalPostgres::removeStaleRuntimeDirectories();
    QVERIFY(!QFileInfo::exists(socketDir));
}

void TstLocalPostgres::reusesAPersistentDataDirectory()
{
    QTemporaryDir base;
    QVERIFY(base.isValid());
    // As root the cluster runs as the postgres user, which must be able to reach its directory.
    QVERIFY(QFile::setPermissions(base.path(), QFileDevice::ReadOwner | QFileDevice::WriteOwner |
                                                   QFileDevice::ExeOwner | QFileDevice::ExeGroup |
                                                   QFileDevice::ExeOther));
    const LocalPostgres::Options options = fastOptions(base.filePath(u"cluster"_s));
    QElapsedTimer timer;
    {
        LocalPostgres first(options);
        timer.start();
        const auto started = first.start();
        QVERIFY2(started, qPrintable(describe(started)));
        qInfo("fresh persistent cluster (initdb + ready): %lld ms", timer.elapsed());
        QCOMPARE(first.dataDirectory(), options.dataDir);
        {
            const Connection connection(first.databaseUrl(u"postgres"_s));
            QVERIFY(connection.exec(u"CREATE TABLE kept (v int)"_s));
            QVERIFY(connection.exec(u"INSERT INTO kept VALUES (42)"_s));
        }
        QVERIFY(first.stop());
    }
    {
        LocalPostgres second(options);
        timer.start();
        const auto started = second.start();
        QVERIFY2(started, qPrintable(describe(started)));
        qInfo("restart of a persistent cluster: %lld ms", timer.elapsed());
        // initdb would have refused the non-empty directory; the data proves it was reused.
        const Connection connection(second.databaseUrl(u"postgres"_s));
        QCOMPARE(connection.value(u"SELECT v FROM kept"_s).toInt(), 42);
    }
}

void TstLocalPostgres::reportsWhyPostgresDidNotStart()
{
    QTemporaryDir base;
    QVERIFY(base.isValid());
    QVERIFY(QFile::setPermissions(base.path(), QFileDevice::ReadOwner | QFileDevice::WriteOwner |
                                                   QFileDevice::ExeOwner | QFileDevice::ExeGroup |
                                                   QFileDevice::ExeOther));
    const QString dataDir = base.filePath(u"not-a-cluster"_s);
    QVERIFY(QDir().mkpath(dataDir));
    QFile junk(dataDir + u"/junk"_s);
    QVERIFY(junk.open(QIODevice::WriteOnly));
    junk.close();

    LocalPostgres postgres(fastOptions(dataDir));
    const auto started = postgres.start();
    QVERIFY(!started);
    QCOMPARE(started.error().code, ErrorCode::Database);
    QVERIFY2(started.error().message.contains(u"initdb failed"_s), qPrintable(describe(started)));
    QVERIFY2(started.error().message.contains(u"not empty"_s), qPrintable(describe(started)));
    QVERIFY(!postgres.isRunning());

    // postgres itself refuses: the error carries the end of its log.
    LocalPostgres::Options options = fastOptions();
    options.maxConnections = 0;
    LocalPostgres misconfigured(options);
    const auto refused = misconfigured.start();
    QVERIFY(!refused);
    QVERIFY2(refused.error().message.contains(u"max_connections"_s), qPrintable(describe(refused)));
    QVERIFY(!misconfigured.isRunning());
    qInfo("%s", qPrintable(refused.error().toString()));
}

} // namespace pfa::test

QTEST_GUILESS_MAIN(pfa::test::TstLocalPostgres)
#include "tst_localpostgres.moc"
