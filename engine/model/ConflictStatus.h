#pragma once

#include "model/WireEnum.h"

namespace pfa::model {

// State of a pfa_sync_conflict row: unresolved -> resolved_auto | resolved_manual.
enum class ConflictStatus
{
    Unresolved,
    ResolvedAuto,
    ResolvedManual
};

template<>
struct WireNames<ConflictStatus>
{
    static constexpr std::array<std::pair<ConflictStatus, std::string_view>, 3> table{{
        {ConflictStatus::Unresolved, "unresolved"},
        {ConflictStatus::ResolvedAuto, "resolved_auto"},
        {ConflictStatus::ResolvedManual, "resolved_manual"},
    }};
};
static_assert(detail::isCompleteWireTable(WireNames<ConflictStatus>::table));

} // namespace pfa::model
