#include "server/RequestRateLimiter.h"

#include <algorithm>
#include <cmath>

namespace pfa::server {

RequestRateLimiter::RequestRateLimiter(int perSecond, Clock clock)
    : m_perSecond(std::max(1, perSecond))
    , m_clock(std::move(clock))
{}

std::optional<std::chrono::milliseconds> RequestRateLimiter::tryAcquire(qint64 key)
{
    const auto now = m_clock();
    const double capacity = m_perSecond;
    auto [entry, added] = m_buckets.try_emplace(key, Bucket{capacity, now});
    Bucket& bucket = entry->second;
    if (!added) {
        const double elapsed = std::chrono::duration<double>(now - bucket.updated).count();
        bucket.tokens = std::min(capacity, bucket.tokens + elapsed * capacity);
        bucket.updated = now;
    }
    if (bucket.tokens >= 1.0) {
        bucket.tokens -= 1.0;
        return std::nullopt;
    }
    const double waitSeconds = (1.0 - bucket.tokens) / capacity;
    return std::chrono::milliseconds(qint64(std::ceil(waitSeconds * 1000.0)));
}

} // namespace pfa::server
