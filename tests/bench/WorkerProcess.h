#pragma once

#include "model/Error.h"

#include <QProcess>
#include <QString>
#include <QUrl>

#include <memory>

namespace pfa::bench {

struct WorkerSettings
{
    QString workerId;
    QString databaseUrl;
    QUrl pemsUrl;
    QString apiKey;
    int rateLimit = 10; // PEMS_API_RATE_LIMIT; 0 = none
    int concurrency = 32;
    int batchSize = 100;
};

// `pfa-sync worker` as a child process, configured through its environment exactly as an
// installation would be, so the benchmark measures the shipped binary and can read its peak
// memory and CPU time. Its log goes to our standard error; its standard output carries the
// "running" line. Its database sessions are named ApplicationName.
class WorkerProcess final
{
public:
    static constexpr auto ApplicationName = "pfa-sync worker"; // WorkerCommand's
    // Generous: a sanitizer build on a loaded machine starts and stops much slower.
    static constexpr int StartTimeoutMs = 60'000;
    static constexpr int StopTimeoutMs = 30'000;

    WorkerProcess();
    ~WorkerProcess(); // SIGKILL if it still runs: stop() is the graceful way
    WorkerProcess(const WorkerProcess&) = delete;
    WorkerProcess& operator=(const WorkerProcess&) = delete;

    // The environment variable PFA_SYNC_BINARY, else the pfa-sync of this build tree.
    [[nodiscard]] static QString binaryPath();

    // Starts it and waits (bounded) for "pfa-sync worker ID running".
    [[nodiscard]] Expected<void> start(const WorkerSettings& settings, int timeoutMs);
    [[nodiscard]] bool isRunning() const;
    [[nodiscard]] qint64 pid() const { return m_process->processId(); }
    // Its peak resident set so far (VmHWM of /proc/PID/status), in MiB.
    [[nodiscard]] Expected<double> peakRssMb() const;
    // SIGTERM and a bounded wait; an error unless it exits with code 0.
    [[nodiscard]] Expected<void> stop(int timeoutMs);
    // Emits finished() when it exits: a scenario watches for an early exit.
    [[nodiscard]] QProcess& process() { return *m_process; }

private:
    std::unique_ptr<QProcess> m_process;
};

} // namespace pfa::bench
