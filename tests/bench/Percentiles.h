#pragma once

#include <vector>

namespace pfa::bench {

// Nearest-rank percentiles of a sample, in the sample's unit: with 200 values p99 is the second
// largest, so one slow outlier does not hide behind interpolation.
struct Percentiles
{
    double p50 = 0;
    double p95 = 0;
    double p99 = 0;

    [[nodiscard]] static Percentiles of(std::vector<double> values);
};

} // namespace pfa::bench
