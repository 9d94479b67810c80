#pragma once

#include <chrono>
#include <deque>

namespace pfa::sim {

// The largest number of requests seen in any sliding 1-second window, so that a test can prove a
// client kept to its own rate limit. Every arrival counts, admitted or not.
class RateWindow final
{
public:
    void add(std::chrono::nanoseconds now);
    [[nodiscard]] int maxInAnySecond() const { return m_max; }
    void reset();

private:
    std::deque<std::chrono::nanoseconds> m_arrivals; // those of the last second
    int m_max = 0;
};

} // namespace pfa::sim
