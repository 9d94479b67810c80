#include "SimStats.h"

#include <string>

namespace pfa::sim {

void SimStats::recordResponse(RouteKind kind, int status)
{
    if (status < FirstStatus || status >= FirstStatus + StatusCount)
        return;
    ++m_responses[static_cast<std::size_t>(kind)][static_cast<std::size_t>(status - FirstStatus)];
}

nlohmann::json SimStats::toJson(std::size_t idempotencyKeys, std::size_t idempotencyCapacity) const
{
    nlohmann::json requests = nlohmann::json::object();
    quint64 total = 0;
    for (int kind = 0; kind < RouteKindCount; ++kind) {
        const auto& counts = m_responses[static_cast<std::size_t>(kind)];
        for (int i = 0; i < StatusCount; ++i) {
            const quint64 count = counts[static_cast<std::size_t>(i)];
            if (count == 0)
                continue;
            total += count;
            requests[std::string(routeKindName(static_cast<RouteKind>(kind))) + ' ' +
                     std::to_string(FirstStatus + i)] = count;
        }
    }
    return {{"requests", requests},
            {"totalRequests", total},
            {"maxRequestsInAnySecond", m_window.maxInAnySecond()},
            {"writesApplied", m_writesApplied},
            {"duplicateApplications", m_duplicateApplications},
            {"idempotencyKeys", {{"count", idempotencyKeys}, {"capacity", idempotencyCapacity}}},
            {"faults",
             {{"delayed", m_delayed},
              {"dropped", m_dropped},
              {"garbled", m_garbled},
              {"hung", m_hung}}}};
}

void SimStats::reset()
{
    m_responses = {};
    m_window.reset();
    m_writesApplied = 0;
    m_duplicateApplications = 0;
    m_delayed = 0;
    m_dropped = 0;
    m_garbled = 0;
    m_hung = 0;
}

} // namespace pfa::sim
