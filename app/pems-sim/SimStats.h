#pragma once

#include "RateWindow.h"
#include "RouteKind.h"

#include <nlohmann/json.hpp>

#include <array>
#include <chrono>

namespace pfa::sim {

// What pems-sim received, for tests to assert on (GET /__admin/stats): responses per route kind
// and status, the busiest 1-second window, writes applied, and idempotency violations.
class SimStats final
{
public:
    void recordArrival(std::chrono::nanoseconds now) { m_window.add(now); }
    void recordResponse(RouteKind kind, int status);
    void recordWriteApplied() { ++m_writesApplied; }
    void recordDuplicateApplication() { ++m_duplicateApplications; }
    void recordDelayed() { ++m_delayed; }
    void recordDropped() { ++m_dropped; }
    void recordGarbled() { ++m_garbled; }
    void recordHung() { ++m_hung; }

    [[nodiscard]] nlohmann::json toJson(std::size_t idempotencyKeys,
                                        std::size_t idempotencyCapacity) const;
    void reset();

private:
    static constexpr int FirstStatus = 100;
    static constexpr int StatusCount = 500; // 100..599

    std::array<std::array<quint64, StatusCount>, RouteKindCount> m_responses{};
    RateWindow m_window;
    quint64 m_writesApplied = 0;
    quint64 m_duplicateApplications = 0;
    quint64 m_delayed = 0;
    quint64 m_dropped = 0;
    quint64 m_garbled = 0;
    quint64 m_hung = 0;
};

} // namespace pfa::sim
