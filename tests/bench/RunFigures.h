#pragma once

#include "ReportLine.h"
#include "model/Error.h"

#include <QString>

#include <optional>

namespace pfa::app {
class PemsSimProcess;
}

namespace pfa::bench {

class BenchDatabase;
class WorkerProcess;

// The worker's peak resident set must stay below this in every scenario.
inline constexpr double PeakRssLimitMb = 150;

// What a run left behind, from the database (outcomes and the synced_at clock) and from
// pems-sim's statistics (what actually reached PEMS), in the fields every JSON line carries.
struct RunFigures
{
    qint64 synced = 0;
    qint64 failed = 0;
    qint64 conflicts = 0;
    double wallSeconds = 0; // max(pfa_modification.synced_at) − t0, on the database's clock
    int busiestWindow = 0;  // pems-sim: most /api/pems requests in any sliding second
    qint64 duplicates = 0;  // pems-sim: applications of an Idempotency-Key beyond its first
    qint64 requests = 0;    // pems-sim: PUTs answered, whatever the status
    qint64 http429 = 0;     // pems-sim: answers refused by its rate limit
    std::optional<double> peakRssMb;          // the worker's VmHWM
    std::optional<double> workerCpuSeconds;   // the worker process, all threads
    std::optional<double> databaseCpuSeconds; // the server processes of the worker's sessions

    // Reads the worker's peak memory and CPU time, and its sessions' CPU time: call it while the
    // worker still runs.
    [[nodiscard]] Expected<void> sampleWorker(const BenchDatabase& database,
                                              const WorkerProcess& worker);

    // The outcomes and PEMS' statistics, after the run; `t0` is BenchDatabase::clockNow() text.
    [[nodiscard]] Expected<void> collect(const BenchDatabase& database, app::PemsSimProcess& sim,
                                         const QString& t0);
    // items, wall_s, items_per_s, busiest_window, duplicates, peak_rss_mb, requests, http_429,
    // synced, failed, conflicts, lost (items that did not reach synced), worker_cpu_s, db_cpu_s.
    void writeTo(ReportLine& line, qint64 items) const;
    [[nodiscard]] double itemsPerSecond(qint64 items) const;
};

// Rounded for the report: more digits than this are noise on a shared machine.
[[nodiscard]] double rounded(double value, int decimals = 3);

} // namespace pfa::bench
