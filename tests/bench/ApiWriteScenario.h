#pragma once

#include "ReportLine.h"
#include "model/Error.h"

namespace pfa::bench {

// POST /api/pems/write-sync through the real `pfa-sync --service` process, its write worker
// running toward pems-sim at the default 10 requests per second (as in production, it drains the
// queue in the background while the API is loaded). `requests` requests, each committing
// `perRequest` drafts of distinct records, sent by `clients` concurrent clients, each with its
// own token and connection; SERVICE_WRITE_RATE_LIMIT is raised to 100 per token so the bench
// measures the route, not the budget (a 429 fails the scenario).
class ApiWriteScenario final
{
public:
    ApiWriteScenario(int requests, int perRequest, int clients, bool quick);
    [[nodiscard]] ReportLine run();

private:
    [[nodiscard]] Expected<ReportLine> measure();

    const int m_requests;
    const int m_perRequest;
    const int m_clients;
    const bool m_quick;
};

} // namespace pfa::bench
