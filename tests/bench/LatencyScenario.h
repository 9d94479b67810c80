#pragma once

#include "ReportLine.h"
#include "model/Error.h"

namespace pfa::bench {

// Commit → synced on an idle queue: the worker runs first, then one modification at a time is
// committed (in its own transactions, as a person would) and its SYNC_SUCCESS awaited before the
// next. Latency per item is synced_at − the queue row's created_at, on the database's clock.
class LatencyScenario final
{
public:
    LatencyScenario(int items, bool quick, int workerNumber);
    [[nodiscard]] ReportLine run();

private:
    [[nodiscard]] Expected<ReportLine> measure();

    const int m_items;
    const bool m_quick;
    const int m_workerNumber;
};

} // namespace pfa::bench
