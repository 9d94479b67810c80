#pragma once

#include <QRandomGenerator>
#include <QtGlobal>

#include <chrono>
#include <optional>

namespace pfa::sync {

// When to retry a transient failure (DESIGN "Sync semantics", write path step 4): exponential
// backoff from WRITE_SYNC_RETRY_DELAY (5 s, 10 s, 20 s, …) with jitter, so that items that failed
// together do not all come back in the same instant, and WRITE_SYNC_MAX_RETRIES before the dead
// letter. Not thread-safe: delayBefore() draws from the policy's own generator, so give each
// worker its own policy.
class RetryPolicy final
{
public:
    // No delay is ever longer than this, whatever the retry number or the floor.
    static constexpr std::chrono::milliseconds MaxDelay{std::chrono::hours(1)};

    // `jitter` is clamped to [0, 1], a negative `baseDelay` or `maxRetries` to 0. A `seed` of 0
    // seeds from the system's random source; any other value makes the delays reproducible.
    RetryPolicy(std::chrono::milliseconds baseDelay, int maxRetries, double jitter = 0.1,
                quint64 seed = 0);

    // Delay before retry `retry` (1-based; lower values count as 1): baseDelay × 2^(retry-1),
    // scaled by a uniform factor in [1-jitter, 1+jitter], never below `floor` (a server's
    // Retry-After) when given, and never above MaxDelay.
    [[nodiscard]] std::chrono::milliseconds
    delayBefore(int retry, std::optional<std::chrono::milliseconds> floor = std::nullopt);

    // True when `retriesSoFar` retries were already spent, i.e. the next failure is final (the
    // dead letter): retriesSoFar >= maxRetries().
    [[nodiscard]] bool exhausted(int retriesSoFar) const;

    [[nodiscard]] int maxRetries() const { return m_maxRetries; }
    [[nodiscard]] std::chrono::milliseconds baseDelay() const { return m_baseDelay; }

private:
    std::chrono::milliseconds m_baseDelay;
    int m_maxRetries;
    double m_jitter;
    QRandomGenerator m_random;
};

} // namespace pfa::sync
