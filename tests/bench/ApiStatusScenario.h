#pragma once

#include "ReportLine.h"
#include "model/Error.h"

namespace pfa::bench {

// GET /api/pems/sync-status through the real `pfa-sync --service` process: `items` modifications
// committed and left queued (the service runs without its write worker, ENABLE_WRITE_SYNC=false,
// so nothing drains them), then `clients` concurrent clients, each on its own connection, send
// `requests` status requests for the organization in total. Latency as a client sees it, and the
// service's memory before and during the load.
class ApiStatusScenario final
{
public:
    ApiStatusScenario(int items, int clients, int requests, bool quick);
    [[nodiscard]] ReportLine run();

private:
    [[nodiscard]] Expected<ReportLine> measure();

    const int m_items;
    const int m_clients;
    const int m_requests;
    const bool m_quick;
};

} // namespace pfa::bench
