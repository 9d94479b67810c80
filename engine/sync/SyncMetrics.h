#pragma once

#include "model/FailureClass.h"

#include <QDateTime>
#include <array>
#include <atomic>
#include <chrono>
#include <vector>

namespace pfa::sync {

// A latency histogram with fixed buckets (seconds), safe to update from the worker thread while
// other threads read it.
class LatencyHistogram
{
public:
    static constexpr std::array<double, 12> Bounds{0.005, 0.01, 0.025, 0.05, 0.1,  0.25,
                                                   0.5,   1.0,  2.5,   5.0,  30.0, 120.0};
    void observe(std::chrono::microseconds value);

    struct Snapshot
    {
        std::array<quint64, Bounds.size() + 1> counts{}; // per bucket; the last is +Inf
        quint64 count = 0;
        double sumSeconds = 0;
        // The value below which `q` (0…1) of the observations lie, from the bucket bounds.
        [[nodiscard]] double quantile(double q) const;
    };
    [[nodiscard]] Snapshot snapshot() const;

private:
    std::array<std::atomic<quint64>, Bounds.size() + 1> m_counts{};
    std::atomic<quint64> m_count{0};
    std::atomic<quint64> m_sumMicros{0};
};

// What the write path did, for the overview, the metrics endpoint and the benchmarks
// (pems_sync_* in spec/). Counters only grow; gauges are set by the worker.
class SyncMetrics
{
public:
    std::atomic<quint64> requestsSent{0};
    std::atomic<quint64> itemsSynced{0};
    std::atomic<quint64> itemsCoalesced{0}; // synced as a follower in another item's request
    std::atomic<quint64> itemsFailed{0};    // dead letters and permanent failures
    std::atomic<quint64> conflicts{0};
    std::atomic<quint64> autoRebased{0};
    std::atomic<quint64> retries{0};
    std::atomic<quint64> rateLimitWaits{0};              // 429s honoured
    std::atomic<quint64> replayed{0};                    // answers PEMS replayed for a repeated key
    std::array<std::atomic<quint64>, 6> errorsByClass{}; // index: model::FailureClass
    std::atomic<int> inFlight{0};
    std::atomic<qint64> heartbeatMs{0}; // last time the worker loop ran (ms since epoch)

    LatencyHistogram commitToSynced;
    LatencyHistogram requestDuration;

    void countError(model::FailureClass failureClass);
    void beat();
};

} // namespace pfa::sync
