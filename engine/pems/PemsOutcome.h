#pragma once

#include "pems/PemsFailure.h"
#include "pems/PemsHealth.h"
#include "pems/PemsPage.h"
#include "pems/PemsRecord.h"
#include "pems/WriteSuccess.h"

#include <expected>

namespace pfa::pems {

// Every PEMS call ends in exactly one of these: the value, or a typed failure. Never an exception.
template<typename T>
using Outcome = std::expected<T, PemsFailure>;

using WriteOutcome = Outcome<WriteSuccess>;
using RecordOutcome = Outcome<PemsRecord>;
using PageOutcome = Outcome<PemsPage>;
using HealthOutcome = Outcome<PemsHealth>;

[[nodiscard]] inline std::unexpected<PemsFailure> failed(PemsFailure failure)
{
    return std::unexpected<PemsFailure>(std::move(failure));
}

} // namespace pfa::pems
