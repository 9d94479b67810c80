#pragma once

#include "model/WireEnum.h"

namespace pfa::model {

// Where a pfa_mirror_history version came from.
enum class HistorySource
{
    Pull,
    Write,
    Rollback
};

template<>
struct WireNames<HistorySource>
{
    static constexpr std::array<std::pair<HistorySource, std::string_view>, 3> table{{
        {HistorySource::Pull, "pull"},
        {HistorySource::Write, "write"},
        {HistorySource::Rollback, "rollback"},
    }};
};
static_assert(detail::isCompleteWireTable(WireNames<HistorySource>::table));

} // namespace pfa::model
