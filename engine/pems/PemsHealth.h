#pragma once

#include "pems/PemsFailure.h"

#include <QString>

#include <chrono>
#include <optional>

namespace pfa::pems {

// The answer to a health check. Never an error: an unreachable or failing PEMS is simply not
// healthy, with the reason in failure.
struct PemsHealth
{
    bool healthy = false;
    std::chrono::milliseconds latency{0}; // request sent -> response complete (or failure)
    int httpStatus = 0;                   // 0: no HTTP response
    QString status;                       // PEMS' own status word ("ok"), when it gave one
    std::optional<PemsFailure> failure;
};

} // namespace pfa::pems
