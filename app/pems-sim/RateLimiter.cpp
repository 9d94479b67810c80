#include "RateLimiter.h"

namespace pfa::sim {

namespace {
constexpr std::chrono::nanoseconds Window = std::chrono::seconds(1);
}

RateLimiter::RateLimiter(int requestsPerSecond)
    : m_ring(static_cast<std::size_t>(requestsPerSecond > 0 ? requestsPerSecond : 0))
{}

std::optional<std::chrono::nanoseconds> RateLimiter::tryAcquire(std::chrono::nanoseconds now)
{
    if (m_ring.empty())
        return std::nullopt;
    if (m_filled == m_ring.size()) {
        // Full ring: m_next holds the oldest admitted request of the last N.
        const std::chrono::nanoseconds oldest = m_ring[m_next];
        if (now - oldest < Window)
            return oldest + Window - now;
    } else {
        ++m_filled;
    }
    m_ring[m_next] = now;
    m_next = (m_next + 1) % m_ring.size();
    return std::nullopt;
}

} // namespace pfa::sim
