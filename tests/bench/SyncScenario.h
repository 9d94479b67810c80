#pragma once

#include "ReportLine.h"
#include "model/Error.h"

#include <chrono>
#include <optional>
#include <string>

namespace pfa::db {
struct SyncStatusSummary;
}

namespace pfa::bench {

class BenchWorld;
class WorkerProcess;

struct SyncScenarioSpec
{
    std::string name;
    int records = 0;
    int changesPerRecord = 1;
    int rateLimit = 0;    // PEMS_API_RATE_LIMIT and pems-sim's --rate-limit; 0 = none
    int putLatencyMs = 0; // pems-sim answers every PUT this much later
    // Targets; unset ones do not apply.
    std::optional<double> slackSeconds; // wall_s <= requests needed / rateLimit + slack
    std::optional<double> minItemsPerSecond;
    std::optional<double> minCeilingRatio; // items_per_s / (concurrency / PUT latency)
};

// A queue full of committed modifications, then the worker process started on it: how long until
// every one is settled, and what reached PEMS (spec-1000, throughput-*, coalesce-1000).
class SyncScenario final
{
public:
    SyncScenario(SyncScenarioSpec spec, bool quick, int workerNumber);
    [[nodiscard]] ReportLine run();

private:
    [[nodiscard]] Expected<ReportLine> measure();
    // Polls SyncStatusRepository::summary() every 50 ms until nothing is open and `items` are
    // settled; an error on timeout or when the worker exits early.
    [[nodiscard]] Expected<void> waitUntilSettled(BenchWorld& world, WorkerProcess& worker,
                                                  qint64 items, std::chrono::seconds timeout);

    const SyncScenarioSpec m_spec;
    const bool m_quick;
    const int m_workerNumber;
};

} // namespace pfa::bench
