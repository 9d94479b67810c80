#pragma once

#include <chrono>
#include <optional>
#include <vector>

namespace pfa::sim {

// pems-sim's own limit (--rate-limit N): at most N admitted requests in any sliding 1-second
// window. It remembers the times of the last N admitted requests in a ring, so a check is O(1).
// Rejected requests are not remembered: a client that keeps knocking is not locked out longer.
class RateLimiter final
{
public:
    explicit RateLimiter(int requestsPerSecond = 0);

    [[nodiscard]] int limit() const { return static_cast<int>(m_ring.size()); }

    // Admits (and counts) the request, or says how long until a slot frees up.
    [[nodiscard]] std::optional<std::chrono::nanoseconds> tryAcquire(std::chrono::nanoseconds now);

private:
    std::vector<std::chrono::nanoseconds> m_ring; // empty: no limit
    std::size_t m_next = 0;
    std::size_t m_filled = 0;
};

} // namespace pfa::sim
