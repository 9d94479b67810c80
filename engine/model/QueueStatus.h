#pragma once

#include "model/WireEnum.h"

namespace pfa::model {

// State of a pfa_write_queue row: pending -> processing -> completed | failed.
enum class QueueStatus
{
    Pending,
    Processing,
    Completed,
    Failed
};

template<>
struct WireNames<QueueStatus>
{
    static constexpr std::array<std::pair<QueueStatus, std::string_view>, 4> table{{
        {QueueStatus::Pending, "pending"},
        {QueueStatus::Processing, "processing"},
        {QueueStatus::Completed, "completed"},
        {QueueStatus::Failed, "failed"},
    }};
};
static_assert(detail::isCompleteWireTable(WireNames<QueueStatus>::table));

} // namespace pfa::model
