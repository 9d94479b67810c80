#include "Percentiles.h"

#include <algorithm>
#include <cmath>

namespace pfa::bench {

namespace {

double nearestRank(const std::vector<double>& sorted, double fraction)
{
    const auto rank = static_cast<std::size_t>(std::ceil(fraction * double(sorted.size())));
    return sorted[std::clamp<std::size_t>(rank, 1, sorted.size()) - 1];
}

} // namespace

Percentiles Percentiles::of(std::vector<double> values)
{
    if (values.empty())
        return {};
    std::ranges::sort(values);
    return {nearestRank(values, 0.50), nearestRank(values, 0.95), nearestRank(values, 0.99)};
}

} // namespace pfa::bench
