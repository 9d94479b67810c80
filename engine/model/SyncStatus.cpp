#include "model/SyncStatus.h"

namespace pfa::model {

bool canTransition(SyncStatus from, SyncStatus to)
{
    using S = SyncStatus;
    switch (from) {
    case S::Draft:
        return to == S::Committed || to == S::Discarded;
    case S::Committed:
        return to == S::Queued;
    case S::Queued:
        return to == S::Syncing || to == S::Discarded;
    case S::Syncing:
        // Back to queued is a retry after a transient error or a rebase after a 409.
        return to == S::Synced || to == S::Conflict || to == S::Failed || to == S::Queued;
    case S::Conflict:
    case S::Failed:
        // Resolution or a manual retry re-queues; use_pems or dropping a dead letter discards.
        return to == S::Queued || to == S::Discarded;
    case S::Synced:
    case S::Discarded:
        return false;
    }
    return false;
}

bool isTerminal(SyncStatus status)
{
    return status == SyncStatus::Synced || status == SyncStatus::Discarded;
}

} // namespace pfa::model
