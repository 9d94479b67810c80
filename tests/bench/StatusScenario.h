#pragma once

#include "ReportLine.h"
#include "model/Error.h"

namespace pfa::bench {

// GET /api/pems/sync-status at scale: a queue of `rows` items in the mix of states a month of
// production leaves (mostly completed; some failed, in conflict, pending, in flight), then
// SyncStatusRepository::summary() timed `calls` times, alternating no filter, one organization
// and a one-week date range. No worker and no pems-sim.
class StatusScenario final
{
public:
    StatusScenario(int rows, int calls, bool quick);
    [[nodiscard]] ReportLine run();

private:
    [[nodiscard]] Expected<ReportLine> measure();

    const int m_rows;
    const int m_calls;
    const bool m_quick;
};

} // namespace pfa::bench
