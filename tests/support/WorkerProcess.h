#pragma once

#include "model/Error.h"

#include <QByteArray>
#include <QProcessEnvironment>
#include <QString>
#include <QStringList>

#include <memory>

class QProcess;

namespace pfa::test {

class SyncFixture;

// How a `pfa-sync worker` process is configured, through the environment as in production.
struct WorkerSettings
{
    int rateLimit = 0;      // PEMS_API_RATE_LIMIT (0 = none)
    int concurrency = 32;   // WRITE_SYNC_CONCURRENCY
    int batchSize = 100;    // WRITE_SYNC_BATCH_SIZE
    int retryDelayMs = 100; // WRITE_SYNC_RETRY_DELAY
};

// A real `pfa-sync worker --worker-id ID` child process against a SyncFixture's database and
// pems-sim, for the tests that need what a thread cannot give: SIGKILL at any instant, several
// processes sharing the queue and the rate budget. The binary is the test's (PFA_SYNC_BINARY).
// Standard output and error are kept together, so a failing test can show what the worker said.
class WorkerProcess final
{
public:
    static constexpr int DefaultTimeoutMs = 30000;

    WorkerProcess(QString binary, QString workerId, QProcessEnvironment environment);
    // `pfa-sync --service --log-format json` instead (the API on any free port, the worker
    // inside); running once it prints where it listens.
    [[nodiscard]] static std::unique_ptr<WorkerProcess> service(QString binary,
                                                                QProcessEnvironment environment);
    ~WorkerProcess(); // SIGKILL if it still runs: a test that failed half-way leaves no orphan
    WorkerProcess(const WorkerProcess&) = delete;
    WorkerProcess& operator=(const WorkerProcess&) = delete;

    // The environment a worker needs for `fixture` (the rest is inherited, e.g. sanitizer
    // options).
    [[nodiscard]] static QProcessEnvironment environment(SyncFixture& fixture,
                                                         const WorkerSettings& settings);

    // Starts it and waits (bounded) for "pfa-sync worker ID running"; the error carries its
    // output when it exits or stays silent instead.
    [[nodiscard]] Expected<void> start(int timeoutMs = DefaultTimeoutMs);
    // The two halves of start(), so that several workers can be launched together and then
    // waited for.
    [[nodiscard]] Expected<void> launch(int timeoutMs = DefaultTimeoutMs);
    [[nodiscard]] Expected<void> waitUntilRunning(int timeoutMs = DefaultTimeoutMs);
    // SIGKILL, and the wait for the exit: the crash the write path must survive.
    void kill();
    // SIGTERM (a graceful stop) and a bounded wait; the exit code, or an error when it crashed
    // or did not exit in time.
    [[nodiscard]] Expected<int> stop(int timeoutMs = DefaultTimeoutMs);
    [[nodiscard]] bool isRunning() const;

    [[nodiscard]] const QString& id() const { return m_workerId; }
    [[nodiscard]] qint64 processId() const;
    // A service's port, from its "listening on" line (0 before it is running).
    [[nodiscard]] quint16 servicePort() const;
    // Everything it printed so far (all runs).
    [[nodiscard]] QByteArray output();

private:
    void collect();

    const QString m_binary;
    const QString m_workerId;
    const QProcessEnvironment m_environment;
    QStringList m_arguments;
    QByteArray m_readyMarker;
    std::unique_ptr<QProcess> m_process;
    QByteArray m_output;
    qsizetype m_runStart = 0; // where this run's output begins in m_output
};

} // namespace pfa::test
