#pragma once

#include "model/WireEnum.h"

namespace pfa::model {

// What started a sync_job.
enum class JobTrigger
{
    Schedule,
    Manual,
    Api,
    Rollback,
    Resolution
};

template<>
struct WireNames<JobTrigger>
{
    static constexpr std::array<std::pair<JobTrigger, std::string_view>, 5> table{{
        {JobTrigger::Schedule, "schedule"},
        {JobTrigger::Manual, "manual"},
        {JobTrigger::Api, "api"},
        {JobTrigger::Rollback, "rollback"},
        {JobTrigger::Resolution, "resolution"},
    }};
};
static_assert(detail::isCompleteWireTable(WireNames<JobTrigger>::table));

} // namespace pfa::model
