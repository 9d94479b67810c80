#pragma once

#include "ReportLine.h"

#include <string>

namespace pfa::bench {

// The targets a scenario is held to, and whether its figures met them. Written into its line as
// "target": {"wall_s_max": 102, …}, "met": true|false and, when missed, "missed": ["wall_s", …].
class TargetCheck final
{
public:
    // The target is met when value <= limit (value < limit when `strict`).
    void atMost(const std::string& field, double value, double limit, bool strict = false);
    // The target is met when value >= limit.
    void atLeast(const std::string& field, double value, double limit);

    [[nodiscard]] bool empty() const { return m_target.empty(); }
    [[nodiscard]] bool met() const { return m_missed.empty(); }
    void writeTo(ReportLine& line) const;

private:
    ReportLine m_target = ReportLine::object();
    ReportLine m_missed = ReportLine::array();
};

} // namespace pfa::bench
