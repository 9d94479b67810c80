#pragma once

#include <nlohmann/json.hpp>

namespace pfa::bench {

// One scenario's JSON line. Keys keep the order they were written in (scenario first, then the
// common fields, then the scenario's own), so a person can read the line as well as a script.
using ReportLine = nlohmann::ordered_json;

} // namespace pfa::bench
