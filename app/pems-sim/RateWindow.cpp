#include "RateWindow.h"

#include <algorithm>

namespace pfa::sim {

void RateWindow::add(std::chrono::nanoseconds now)
{
    // The window ending now is (now - 1 s, now]; the maximum over all windows is reached at some
    // arrival, so checking at each arrival is exact.
    const std::chrono::nanoseconds start = now - std::chrono::seconds(1);
    while (!m_arrivals.empty() && m_arrivals.front() <= start)
        m_arrivals.pop_front();
    m_arrivals.push_back(now);
    m_max = std::max(m_max, static_cast<int>(m_arrivals.size()));
}

void RateWindow::reset()
{
    m_arrivals.clear();
    m_max = 0;
}

} // namespace pfa::sim
