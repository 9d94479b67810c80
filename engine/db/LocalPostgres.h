#pragma once

#include "model/Error.h"

#include <QObject>
#include <QProcess>
#include <QString>

#include <memory>

#include <sys/types.h>

class QTemporaryDir;

namespace pfa::db {

// A private PostgreSQL cluster run from the system's binaries, for --demo and the tests. It
// listens only on a Unix socket in a directory of its own (mode 0700, no TCP port), so trust
// authentication is safe: only that directory's owner, and root, can connect.
//
// postgres runs as our direct child, so its lifetime is ours: stop() and the destructor shut it
// down, and if this process dies in any way the kernel sends the postmaster SIGQUIT (immediate
// shutdown). That signal is tied to the thread that called start(): call it from a thread that
// lives as long as the cluster should (normally the main thread).
//
// As root, initdb and postgres run as the `postgres` system user (PostgreSQL refuses root), which
// must then be able to reach a given data directory.
class LocalPostgres final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(LocalPostgres)

public:
    struct Options
    {
        QString dataDir;         // empty: a temporary cluster, removed with this object
        bool fastUnsafe = false; // fsync, synchronous_commit, full_page_writes off: tests, demo
        int maxConnections = 100;
    };

    explicit LocalPostgres(QObject* parent = nullptr);
    explicit LocalPostgres(Options options, QObject* parent = nullptr);
    ~LocalPostgres() override;

    // Runs initdb when the data directory holds no cluster yet, then postgres, and waits (30 s at
    // most) until it accepts connections. Does nothing when already running.
    [[nodiscard]] Expected<void> start();
    // Fast shutdown (SIGINT: sessions are ended, then a checkpoint), bounded.
    [[nodiscard]] Expected<void> stop();

    [[nodiscard]] bool isRunning() const;
    [[nodiscard]] qint64 pid() const; // the postmaster's, 0 when not running
    [[nodiscard]] QString socketDirectory() const;
    [[nodiscard]] QString dataDirectory() const;
    [[nodiscard]] QString logFile() const; // postgres' stdout and stderr
    // postgresql://pfa@/DBNAME?host=SOCKETDIR, for parseDatabaseUrl().
    [[nodiscard]] QString databaseUrl(const QString& dbname) const;

    // Removes the temporary directories (pfa-pg-*) left by processes that died without cleaning up
    // and whose postmaster is gone too. start() calls it; returns how many it removed.
    static int removeStaleRuntimeDirectories();

Q_SIGNALS:
    // postgres exited without stop() being called; reason includes the end of its log.
    void exitedUnexpectedly(const QString& reason);

private:
    struct RunAs
    {
        bool switchUser = false;
        uid_t uid = 0;
        gid_t gid = 0;
    };

    Expected<void> prepareRuntimeDirectory();
    Expected<void> prepareDataDirectory();
    Expected<void> runInitdb();
    Expected<void> launchPostgres();
    Expected<void> waitUntilReady();
    void onFinished(int exitCode, QProcess::ExitStatus status);

    Options m_options;
    QString m_binDir;
    RunAs m_runAs;
    std::unique_ptr<QTemporaryDir> m_runtimeDir; // socket, log, and the data of a temporary cluster
    QString m_dataDir;
    QProcess m_process{this};
    bool m_expectExit = false; // set while starting and stopping: an exit then is not "unexpected"
};

} // namespace pfa::db
