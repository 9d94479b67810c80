#pragma once

#include "model/WireEnum.h"

namespace pfa::model {

// How a conflict was resolved: keep the local delta, keep PEMS' data, or a per-field merge.
enum class Resolution
{
    UseLocal,
    UsePems,
    Merge
};

template<>
struct WireNames<Resolution>
{
    static constexpr std::array<std::pair<Resolution, std::string_view>, 3> table{{
        {Resolution::UseLocal, "use_local"},
        {Resolution::UsePems, "use_pems"},
        {Resolution::Merge, "merge"},
    }};
};
static_assert(detail::isCompleteWireTable(WireNames<Resolution>::table));

} // namespace pfa::model
