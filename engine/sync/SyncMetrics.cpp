#include "sync/SyncMetrics.h"

#include <algorithm>

namespace pfa::sync {

void LatencyHistogram::observe(std::chrono::microseconds value)
{
    const double seconds = double(std::max<qint64>(0, value.count())) / 1e6;
    const auto bucket = std::size_t(std::ranges::lower_bound(Bounds, seconds) - Bounds.begin());
    m_counts[bucket].fetch_add(1, std::memory_order_relaxed);
    m_count.fetch_add(1, std::memory_order_relaxed);
    m_sumMicros.fetch_add(quint64(std::max<qint64>(0, value.count())), std::memory_order_relaxed);
}

LatencyHistogram::Snapshot LatencyHistogram::snapshot() const
{
    Snapshot out;
    for (std::size_t i = 0; i < m_counts.size(); ++i)
        out.counts[i] = m_counts[i].load(std::memory_order_relaxed);
    out.count = m_count.load(std::memory_order_relaxed);
    out.sumSeconds = double(m_sumMicros.load(std::memory_order_relaxed)) / 1e6;
    return out;
}

double LatencyHistogram::Snapshot::quantile(double q) const
{
    if (count == 0)
        return 0;
    const double rank = q * double(count);
    double seen = 0;
    for (std::size_t i = 0; i < counts.size(); ++i) {
        seen += double(counts[i]);
        if (seen >= rank)
            return i < Bounds.size() ? Bounds[i] : Bounds.back();
    }
    return Bounds.back();
}

void SyncMetrics::countError(model::FailureClass failureClass)
{
    const auto index = std::size_t(failureClass);
    if (index < errorsByClass.size())
        errorsByClass[index].fetch_add(1, std::memory_order_relaxed);
}

void SyncMetrics::beat()
{
    heartbeatMs.store(QDateTime::currentMSecsSinceEpoch(), std::memory_order_relaxed);
}

} // namespace pfa::sync
