#pragma once

#include "model/WireEnum.h"

namespace pfa::model {

// What a modification asks PEMS to do with the record.
enum class Operation
{
    Update,
    Delete
};

template<>
struct WireNames<Operation>
{
    static constexpr std::array<std::pair<Operation, std::string_view>, 2> table{{
        {Operation::Update, "UPDATE"},
        {Operation::Delete, "DELETE"},
    }};
};
static_assert(detail::isCompleteWireTable(WireNames<Operation>::table));

} // namespace pfa::model
