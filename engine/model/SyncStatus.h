#pragma once

#include "model/WireEnum.h"

namespace pfa::model {

// State of a pfa_modification (DESIGN "States"). Draft -> committed -> queued -> syncing ->
// synced | conflict | failed, plus discarded.
enum class SyncStatus
{
    Draft,
    Committed,
    Queued,
    Syncing,
    Synced,
    Conflict,
    Failed,
    Discarded,
};

template<>
struct WireNames<SyncStatus>
{
    static constexpr std::array<std::pair<SyncStatus, std::string_view>, 8> table{{
        {SyncStatus::Draft, "draft"},
        {SyncStatus::Committed, "committed"},
        {SyncStatus::Queued, "queued"},
        {SyncStatus::Syncing, "syncing"},
        {SyncStatus::Synced, "synced"},
        {SyncStatus::Conflict, "conflict"},
        {SyncStatus::Failed, "failed"},
        {SyncStatus::Discarded, "discarded"},
    }};
};
static_assert(detail::isCompleteWireTable(WireNames<SyncStatus>::table));

// The modification state machine; callers check before every status update so an illegal jump
// (e.g. synced -> queued) is refused instead of silently rewriting history.
[[nodiscard]] bool canTransition(SyncStatus from, SyncStatus to);

// Synced and discarded are final: nothing moves a modification out of them.
[[nodiscard]] bool isTerminal(SyncStatus status);

} // namespace pfa::model
