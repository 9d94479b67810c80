#pragma once

#include "model/Error.h"

#include <nlohmann/json.hpp>

#include <string>

namespace pfa::bench {

// One scenario's JSON line. Keys keep the order they were written in (scenario first, then the
// common fields, then the scenario's own), so a person can read the line as well as a script.
using ReportLine = nlohmann::ordered_json;

// The scenario's line, or — when it could not be measured — a line that names the scenario and
// says why, so one failing scenario never hides the others' figures.
[[nodiscard]] inline ReportLine lineOrError(Expected<ReportLine> measured,
                                            const std::string& scenario, bool quick)
{
    if (measured)
        return std::move(*measured);
    return {{"scenario", scenario},
            {"quick", quick},
            {"error", measured.error().message.toStdString()}};
}

} // namespace pfa::bench
