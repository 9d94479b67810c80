#pragma once

#include <QtGlobal>

#include <chrono>
#include <functional>
#include <map>
#include <optional>

namespace pfa::server {

// Per-token request budget of the write endpoints: a token bucket holding `perSecond` requests
// that refills continuously, so a client may burst up to its budget and then gets one request
// per 1/perSecond. The clock is injected so tests need not wait.
class RequestRateLimiter final
{
public:
    using Clock = std::function<std::chrono::steady_clock::time_point()>;

    explicit RequestRateLimiter(int perSecond, Clock clock = std::chrono::steady_clock::now);

    // Takes one request from the key's bucket, or tells how long until one is available.
    [[nodiscard]] std::optional<std::chrono::milliseconds> tryAcquire(qint64 key);
    [[nodiscard]] int perSecond() const { return m_perSecond; }

private:
    struct Bucket
    {
        double tokens = 0;
        std::chrono::steady_clock::time_point updated;
    };

    int m_perSecond;
    Clock m_clock;
    std::map<qint64, Bucket> m_buckets;
};

} // namespace pfa::server
