#include "sync/RetryPolicy.h"

#include <algorithm>
#include <array>
#include <cmath>

namespace pfa::sync {

namespace {

// 2^40 × even one millisecond is far beyond MaxDelay, so capping the exponent here changes no
// result while keeping the arithmetic finite for any retry number.
constexpr int MaxExponent = 40;

QRandomGenerator seeded(quint64 seed)
{
    if (seed == 0)
        seed = QRandomGenerator::system()->generate64();
    // QRandomGenerator takes 32-bit seed words; use both halves so 64-bit seeds stay distinct.
    const std::array<quint32, 2> words{static_cast<quint32>(seed),
                                       static_cast<quint32>(seed >> 32)};
    return QRandomGenerator(words.data(), static_cast<qsizetype>(words.size()));
}

} // namespace

RetryPolicy::RetryPolicy(std::chrono::milliseconds baseDelay, int maxRetries, double jitter,
                         quint64 seed)
    : m_baseDelay(std::max(baseDelay, std::chrono::milliseconds::zero()))
    , m_maxRetries(std::max(maxRetries, 0))
    , m_jitter(std::isfinite(jitter) ? std::clamp(jitter, 0.0, 1.0) : 0.0)
    , m_random(seeded(seed))
{}

std::chrono::milliseconds RetryPolicy::delayBefore(int retry,
                                                   std::optional<std::chrono::milliseconds> floor)
{
    const int exponent = std::clamp(retry, 1, MaxExponent + 1) - 1; // retry - 1 could overflow
    const double factor = 1.0 - m_jitter + 2.0 * m_jitter * m_random.generateDouble();
    const double scaled = std::ldexp(static_cast<double>(m_baseDelay.count()), exponent) * factor;
    const double capped = std::min(scaled, static_cast<double>(MaxDelay.count()));
    std::chrono::milliseconds delay{std::llround(capped)};
    if (floor)
        delay = std::max(delay, *floor);
    return std::min(delay, MaxDelay);
}

bool RetryPolicy::exhausted(int retriesSoFar) const
{
    return retriesSoFar >= m_maxRetries;
}

} // namespace pfa::sync
