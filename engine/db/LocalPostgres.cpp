#include "db/LocalPostgres.h"

#include "db/DbLog.h"

#include <QCoreApplication>
#include <QDeadlineTimer>
#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QFileInfo>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QUrl>
#include <QVersionNumber>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <functional>

#include <grp.h>
#include <pwd.h>
#include <sys/prctl.h>
#include <sys/un.h>
#include <unistd.h>

using namespace Qt::StringLiterals;
using namespace std::chrono_literals;

namespace pfa::db {

namespace {

// The socket directory is private, so the default port never collides with another server.
constexpr int kPort = 5432;
constexpr auto kReadyTimeout = 30s;
constexpr auto kInitdbTimeout = 120s;
constexpr auto kStopTimeout = 30s;
constexpr auto kKillTimeout = 5s;
constexpr int kTailLines = 12;

QString ownerFileName()
{
    return u"owner.pid"_s;
}

QString socketLockName()
{
    return u".s.PGSQL.%1.lock"_s.arg(kPort);
}

QString systemError()
{
    return QString::fromLocal8Bit(std::strerror(errno));
}

// A zombie has exited and only waits to be reaped (by init, which may be slow to do so in a
// container), so it counts as gone.
bool processAlive(qint64 pid)
{
    if (pid <= 0)
        return false;
    if (::kill(static_cast<pid_t>(pid), 0) != 0 && errno != EPERM)
        return false;
    QFile stat(u"/proc/%1/stat"_s.arg(pid));
    if (!stat.open(QIODevice::ReadOnly))
        return true;
    const QByteArray line = stat.readAll();
    const qsizetype commandEnd = line.lastIndexOf(')');
    const char state = commandEnd >= 0 && commandEnd + 2 < line.size() ? line[commandEnd + 2] : '?';
    return state != 'Z' && state != 'X';
}

qint64 readPid(const QString& path)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return 0;
    return file.readLine().trimmed().toLongLong();
}

QString lastLines(const QByteArray& text, int count)
{
    QStringList lines = QString::fromLocal8Bit(text).trimmed().split(u'\n');
    if (lines.size() > count)
        lines = lines.mid(lines.size() - count);
    return lines.join(u'\n');
}

QString tailOfFile(const QString& path)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return {};
    constexpr qint64 kTailBytes = 8192;
    file.seek(std::max<qint64>(0, file.size() - kTailBytes));
    return lastLines(file.readAll(), kTailLines);
}

QString withOutput(const QString& message, const QString& output)
{
    return output.isEmpty() ? message : message + u":\n"_s + output;
}

bool hasServerBinaries(const QString& dir)
{
    return QFileInfo(dir + u"/postgres"_s).isExecutable() &&
           QFileInfo(dir + u"/initdb"_s).isExecutable();
}

Expected<QString> findBinDirUncached()
{
    // pg_config names the server the development files belong to; Debian's may also come from
    // libpq-dev alone, so check that the server binaries are really there.
    if (const QString pgConfig = QStandardPaths::findExecutable(u"pg_config"_s);
        !pgConfig.isEmpty()) {
        QProcess process;
        process.start(pgConfig, {u"--bindir"_s});
        if (process.waitForFinished(10000) && process.exitStatus() == QProcess::NormalExit &&
            process.exitCode() == 0) {
            const QString dir = QString::fromLocal8Bit(process.readAllStandardOutput()).trimmed();
            if (hasServerBinaries(dir))
                return dir;
        }
    }
    QDir root(u"/usr/lib/postgresql"_s);
    QStringList versions = root.entryList(QDir::Dirs | QDir::NoDotAndDotDot);
    std::sort(versions.begin(), versions.end(), [](const QString& a, const QString& b) {
        return QVersionNumber::fromString(a) > QVersionNumber::fromString(b);
    });
    for (const QString& version : versions) {
        const QString dir = root.filePath(version + u"/bin"_s);
        if (hasServerBinaries(dir))
            return dir;
    }
    return fail(ErrorCode::Config,
                u"no PostgreSQL server found: `pg_config --bindir` names none and "
                u"/usr/lib/postgresql/*/bin holds no initdb and postgres (install postgresql)"_s);
}

Expected<QString> findBinDir()
{
    static const Expected<QString> binDir = findBinDirUncached();
    return binDir;
}

// Runs in the child between fork and exec, so only async-signal-safe calls.
std::function<void()> childSetup(bool switchUser, uid_t uid, gid_t gid, int deathSignal)
{
    const pid_t parent = ::getpid();
    return [=] {
        // Our own process group: a terminal's Ctrl-C reaches us, and we decide how postgres stops.
        ::setpgid(0, 0);
        if (switchUser &&
            (::setgroups(0, nullptr) != 0 || ::setgid(gid) != 0 || ::setuid(uid) != 0)) {
            static const char message[] = "pfa-sync: cannot switch to the postgres user\n";
            if (::write(STDERR_FILENO, message, sizeof message - 1) < 0) {
            }
            ::_exit(127);
        }
        // After the user switch: changing credentials clears the parent-death signal.
        ::prctl(PR_SET_PDEATHSIG, deathSignal);
        // The parent may have died before prctl took effect; then nobody would signal us.
        if (::getppid() != parent)
            ::_exit(127);
    };
}

Expected<void> chownTo(const QString& path, uid_t uid, gid_t gid)
{
    if (::chown(QFile::encodeName(path).constData(), uid, gid) != 0) {
        return fail(ErrorCode::Io,
                    u"cannot hand %1 to the postgres user: %2"_s.arg(path, systemError()));
    }
    return {};
}

} // namespace

LocalPostgres::LocalPostgres(QObject* parent)
    : LocalPostgres(Options{}, parent)
{}

LocalPostgres::LocalPostgres(Options options, QObject* parent)
    : QObject(parent)
    , m_options(std::move(options))
{
    connect(&m_process, &QProcess::finished, this, &LocalPostgres::onFinished);
}

LocalPostgres::~LocalPostgres()
{
    if (auto stopped = stop(); !stopped)
        qCWarning(lcDb).noquote() << stopped.error().toString();
}

Expected<void> LocalPostgres::start()
{
    if (isRunning())
        return {};
    QElapsedTimer timer;
    timer.start();
    removeStaleRuntimeDirectories();

    const auto binDir = findBinDir();
    if (!binDir)
        return std::unexpected(binDir.error());
    m_binDir = *binDir;

    if (::geteuid() == 0) {
        // getpwnam_r before fork: the child may only make async-signal-safe calls.
        passwd entry{};
        passwd* found = nullptr;
        char buffer[4096];
        if (::getpwnam_r("postgres", &entry, buffer, sizeof buffer, &found) != 0 || !found) {
            return fail(ErrorCode::Config,
                        u"running as root, but PostgreSQL refuses to run as root and there is no "
                        u"`postgres` system user to run it as"_s);
        }
        m_runAs = {true, found->pw_uid, found->pw_gid};
    }

    if (auto prepared = prepareRuntimeDirectory(); !prepared)
        return prepared;
    if (auto prepared = prepareDataDirectory(); !prepared)
        return prepared;

    m_expectExit = true;
    auto ready = launchPostgres();
    if (ready)
        ready = waitUntilReady();
    m_expectExit = false;
    if (!ready)
        return ready;
    qCInfo(lcDb).noquote() << u"PostgreSQL ready in %1 ms (pid %2, socket directory %3)"_s.arg(
        QString::number(timer.elapsed()), QString::number(pid()), socketDirectory());
    return {};
}

Expected<void> LocalPostgres::stop()
{
    if (m_process.state() == QProcess::NotRunning)
        return {};
    const auto postmaster = static_cast<pid_t>(m_process.processId());
    m_expectExit = true;
    QElapsedTimer timer;
    timer.start();
    // SIGINT is the fast shutdown; SIGTERM (QProcess::terminate) would wait for every client.
    ::kill(postmaster, SIGINT);
    const bool stopped = m_process.waitForFinished(
        static_cast<int>(std::chrono::milliseconds(kStopTimeout).count()));
    if (!stopped) {
        ::kill(postmaster, SIGQUIT);
        if (!m_process.waitForFinished(
                static_cast<int>(std::chrono::milliseconds(kKillTimeout).count()))) {
            m_process.kill();
            m_process.waitForFinished(-1);
        }
    }
    m_expectExit = false;
    if (!stopped) {
        return fail(ErrorCode::Database,
                    u"PostgreSQL did not shut down within %1 s; forced an immediate shutdown"_s.arg(
                        std::chrono::seconds(kStopTimeout).count()));
    }
    qCInfo(lcDb).noquote() << u"PostgreSQL stopped in %1 ms"_s.arg(timer.elapsed());
    return {};
}

bool LocalPostgres::isRunning() const
{
    return m_process.state() != QProcess::NotRunning;
}

qint64 LocalPostgres::pid() const
{
    return isRunning() ? m_process.processId() : 0;
}

QString LocalPostgres::socketDirectory() const
{
    return m_runtimeDir ? m_runtimeDir->path() : QString();
}

QString LocalPostgres::dataDirectory() const
{
    return m_dataDir;
}

QString LocalPostgres::logFile() const
{
    return m_runtimeDir ? m_runtimeDir->filePath(u"postgres.log"_s) : QString();
}

QString LocalPostgres::databaseUrl(const QString& dbname) const
{
    return u"postgresql://pfa@/"_s + QString::fromLatin1(QUrl::toPercentEncoding(dbname)) +
           u"?host="_s + QString::fromLatin1(QUrl::toPercentEncoding(socketDirectory()));
}

int LocalPostgres::removeStaleRuntimeDirectories()
{
    int removed = 0;
    const QDir temp(QDir::tempPath());
    const auto entries =
        temp.entryInfoList({u"pfa-pg-*"_s}, QDir::Dirs | QDir::NoDotAndDotDot | QDir::NoSymLinks);
    for (const QFileInfo& entry : entries) {
        const QString dir = entry.absoluteFilePath();
        // Without an owner file the directory is not ours, or its owner is still creating it.
        const qint64 owner = readPid(dir + u'/' + ownerFileName());
        if (owner <= 0 || processAlive(owner))
            continue;
        // An orphaned postmaster still running: leave it for whoever investigates.
        if (processAlive(readPid(dir + u'/' + socketLockName())) ||
            processAlive(readPid(dir + u"/data/postmaster.pid"_s)))
            continue;
        if (QDir(dir).removeRecursively()) {
            ++removed;
            qCInfo(lcDb).noquote() << u"removed stale PostgreSQL directory %1"_s.arg(dir);
        }
    }
    return removed;
}

Expected<void> LocalPostgres::prepareRuntimeDirectory()
{
    if (m_runtimeDir)
        return {};
    auto dir = std::make_unique<QTemporaryDir>(QDir::tempPath() + u"/pfa-pg-XXXXXX"_s);
    if (!dir->isValid()) {
        return fail(ErrorCode::Io,
                    u"cannot create a temporary directory: %1"_s.arg(dir->errorString()));
    }
    // A Unix socket path has a small fixed limit; postgres would only say "path too long".
    const QByteArray socketPath = QFile::encodeName(dir->filePath(u".s.PGSQL.%1"_s.arg(kPort)));
    if (static_cast<std::size_t>(socketPath.size()) >= sizeof(sockaddr_un::sun_path)) {
        return fail(ErrorCode::Config,
                    u"the socket path %1 is too long for a Unix socket; set TMPDIR to a shorter "
                    u"directory"_s.arg(QFile::decodeName(socketPath)));
    }
    QFile owner(dir->filePath(ownerFileName()));
    if (!owner.open(QIODevice::WriteOnly) ||
        owner.write(QByteArray::number(QCoreApplication::applicationPid()) + '\n') < 0) {
        return fail(ErrorCode::Io,
                    u"cannot write %1: %2"_s.arg(owner.fileName(), owner.errorString()));
    }
    owner.close();
    if (m_runAs.switchUser) {
        if (auto owned = chownTo(dir->path(), m_runAs.uid, m_runAs.gid); !owned)
            return owned;
    }
    m_runtimeDir = std::move(dir);
    return {};
}

Expected<void> LocalPostgres::prepareDataDirectory()
{
    m_dataDir = m_options.dataDir.isEmpty() ? m_runtimeDir->filePath(u"data"_s)
                                            : QDir(m_options.dataDir).absolutePath();
    if (QFileInfo::exists(m_dataDir + u"/PG_VERSION"_s))
        return {};
    if (!QDir().mkpath(m_dataDir))
        return fail(ErrorCode::Io, u"cannot create the data directory %1"_s.arg(m_dataDir));
    if (m_runAs.switchUser) {
        if (auto owned = chownTo(m_dataDir, m_runAs.uid, m_runAs.gid); !owned)
            return owned;
    }
    return runInitdb();
}

Expected<void> LocalPostgres::runInitdb()
{
    QElapsedTimer timer;
    timer.start();
    QProcess initdb;
    initdb.setProgram(m_binDir + u"/initdb"_s);
    QStringList arguments{u"--pgdata"_s,        m_dataDir,
                          u"--auth=trust"_s,    u"--username=pfa"_s,
                          u"--encoding=UTF8"_s, u"--locale=C.UTF-8"_s};
    if (m_options.fastUnsafe)
        arguments.append(u"--no-sync"_s);
    initdb.setArguments(arguments);
    initdb.setProcessChannelMode(QProcess::MergedChannels);
    initdb.setWorkingDirectory(m_runtimeDir->path());
    // SIGTERM rather than SIGQUIT: initdb catches it and removes what it had created.
    initdb.setChildProcessModifier(
        childSetup(m_runAs.switchUser, m_runAs.uid, m_runAs.gid, SIGTERM));
    initdb.start();
    if (!initdb.waitForStarted())
        return fail(ErrorCode::Database, u"cannot run initdb: %1"_s.arg(initdb.errorString()));
    if (!initdb.waitForFinished(
            static_cast<int>(std::chrono::milliseconds(kInitdbTimeout).count()))) {
        initdb.kill();
        initdb.waitForFinished(-1);
        return fail(ErrorCode::Database,
                    withOutput(u"initdb did not finish within %1 s"_s.arg(
                                   std::chrono::seconds(kInitdbTimeout).count()),
                               lastLines(initdb.readAll(), kTailLines)));
    }
    if (initdb.exitStatus() != QProcess::NormalExit || initdb.exitCode() != 0) {
        QString message = u"initdb failed (exit code %1)"_s.arg(initdb.exitCode());
        if (m_runAs.switchUser)
            message += u"; note that the postgres user must be able to reach %1"_s.arg(m_dataDir);
        return fail(ErrorCode::Database,
                    withOutput(message, lastLines(initdb.readAll(), kTailLines)));
    }
    qCInfo(lcDb).noquote() << u"initdb created %1 in %2 ms"_s.arg(m_dataDir).arg(timer.elapsed());
    return {};
}

Expected<void> LocalPostgres::launchPostgres()
{
    // Settings on the command line rather than in postgresql.conf, so that a persistent data
    // directory can never end up listening on TCP.
    QString socketDir = socketDirectory();
    socketDir.replace(u'"', u"\"\""_s); // the list syntax of unix_socket_directories
    QStringList arguments{
        u"-D"_s, m_dataDir,
        u"-p"_s, QString::number(kPort),
        u"-c"_s, u"listen_addresses="_s,
        u"-c"_s, u"unix_socket_directories=\"%1\""_s.arg(socketDir),
        u"-c"_s, u"max_connections=%1"_s.arg(m_options.maxConnections),
    };
    if (m_options.fastUnsafe) {
        for (const QString& setting :
             {u"fsync=off"_s, u"synchronous_commit=off"_s, u"full_page_writes=off"_s})
            arguments << u"-c"_s << setting;
    }
    m_process.setProgram(m_binDir + u"/postgres"_s);
    m_process.setArguments(arguments);
    m_process.setWorkingDirectory(m_runtimeDir->path());
    // A file, not a pipe: a pipe nobody reads while the event loop is busy would block postgres.
    m_process.setStandardOutputFile(logFile(), QIODevice::Append);
    m_process.setStandardErrorFile(logFile(), QIODevice::Append);
    m_process.setChildProcessModifier(
        childSetup(m_runAs.switchUser, m_runAs.uid, m_runAs.gid, SIGQUIT));
    m_process.start();
    if (!m_process.waitForStarted())
        return fail(ErrorCode::Database, u"cannot run postgres: %1"_s.arg(m_process.errorString()));
    return {};
}

Expected<void> LocalPostgres::waitUntilReady()
{
    // postmaster.pid: line 1 the pid (a stale file from a crash names another), line 8 the status.
    const QString pidFile = m_dataDir + u"/postmaster.pid"_s;
    const QDeadlineTimer deadline(kReadyTimeout);
    while (true) {
        QFile file(pidFile);
        if (file.open(QIODevice::ReadOnly)) {
            const QList<QByteArray> lines = file.readAll().split('\n');
            if (lines.size() >= 8 && lines[0].trimmed().toLongLong() == m_process.processId() &&
                lines[7].trimmed() == "ready")
                return {};
        }
        // Waiting for the exit doubles as the poll interval, and notices a death at once.
        if (m_process.state() == QProcess::NotRunning || m_process.waitForFinished(50)) {
            const QString how = m_process.exitStatus() == QProcess::CrashExit
                                    ? u"crashed"_s
                                    : u"exited with code %1"_s.arg(m_process.exitCode());
            return fail(ErrorCode::Database, withOutput(u"postgres %1 while starting"_s.arg(how),
                                                        tailOfFile(logFile())));
        }
        if (deadline.hasExpired()) {
            ::kill(static_cast<pid_t>(m_process.processId()), SIGQUIT);
            if (!m_process.waitForFinished(
                    static_cast<int>(std::chrono::milliseconds(kKillTimeout).count()))) {
                m_process.kill();
                m_process.waitForFinished(-1);
            }
            return fail(ErrorCode::Database,
                        withOutput(u"postgres was not ready within %1 s"_s.arg(
                                       std::chrono::seconds(kReadyTimeout).count()),
                                   tailOfFile(logFile())));
        }
    }
}

void LocalPostgres::onFinished(int exitCode, QProcess::ExitStatus status)
{
    if (m_expectExit)
        return;
    const QString how =
        status == QProcess::CrashExit ? u"crashed"_s : u"exited with code %1"_s.arg(exitCode);
    const QString reason =
        withOutput(u"postgres %1 unexpectedly"_s.arg(how), tailOfFile(logFile()));
    qCWarning(lcDb).noquote() << reason;
    Q_EMIT exitedUnexpectedly(reason);
}

} // namespace pfa::db
