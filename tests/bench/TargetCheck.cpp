#include "TargetCheck.h"

namespace pfa::bench {

void TargetCheck::atMost(const std::string& field, double value, double limit, bool strict)
{
    // "_lt" says the bound itself misses, as in "p99 < 250 ms".
    m_target[field + (strict ? "_lt" : "_max")] = limit;
    if (strict ? !(value < limit) : !(value <= limit))
        m_missed.push_back(field);
}

void TargetCheck::atLeast(const std::string& field, double value, double limit)
{
    m_target[field + "_min"] = limit;
    if (!(value >= limit))
        m_missed.push_back(field);
}

void TargetCheck::writeTo(ReportLine& line) const
{
    line["target"] = m_target;
    line["met"] = met();
    if (!met())
        line["missed"] = m_missed;
}

} // namespace pfa::bench
