#pragma once

#include "model/WireEnum.h"

namespace pfa::model {

// Type of a pfa_sync_events NOTIFY payload (DESIGN "Events").
enum class EventType
{
    SyncQueued,
    SyncStarted,
    SyncSuccess,
    SyncRetry,
    SyncConflict,
    SyncFailed,
    ConflictResolved,
    RollbackQueued,
    WorkerState,
    // Not in the original list: a discarded draft or dead letter is a state change listeners
    // must hear about too (a discarded conflict announces CONFLICT_RESOLVED instead).
    SyncDiscarded,
    // The read path: a pull stored a page, finished or failed (status "page", "completed",
    // "failed"; no pfaId), and a pending local change whose base PEMS moved past (status "stale").
    ReadSync,
    SyncStale
};

template<>
struct WireNames<EventType>
{
    static constexpr std::array<std::pair<EventType, std::string_view>, 12> table{{
        {EventType::SyncQueued, "SYNC_QUEUED"},
        {EventType::SyncStarted, "SYNC_STARTED"},
        {EventType::SyncSuccess, "SYNC_SUCCESS"},
        {EventType::SyncRetry, "SYNC_RETRY"},
        {EventType::SyncConflict, "SYNC_CONFLICT"},
        {EventType::SyncFailed, "SYNC_FAILED"},
        {EventType::ConflictResolved, "CONFLICT_RESOLVED"},
        {EventType::RollbackQueued, "ROLLBACK_QUEUED"},
        {EventType::WorkerState, "WORKER_STATE"},
        {EventType::SyncDiscarded, "SYNC_DISCARDED"},
        {EventType::ReadSync, "READ_SYNC"},
        {EventType::SyncStale, "SYNC_STALE"},
    }};
};
static_assert(detail::isCompleteWireTable(WireNames<EventType>::table));

} // namespace pfa::model
