#pragma once

#include "model/Error.h"
#include "model/SyncEvent.h"

#include <QSqlDatabase>

namespace pfa::db {

// Emits a sync event with NOTIFY inside the caller's transaction: PostgreSQL delivers it on
// commit only, so listeners never hear of a change that was rolled back.
class EventPublisher final
{
public:
    static constexpr QLatin1StringView Channel{"pfa_sync_events"};
    // Wakes write workers: triggers (migration 0008) notify it when items are queued and when a
    // pause ends, with "queued" or "resumed" as the payload. Workers listen here rather than to
    // every event: hearing and parsing two events per item they process themselves cost a
    // quarter of their throughput.
    static constexpr QLatin1StringView WorkChannel{"pfa_sync_work"};

    [[nodiscard]] static Expected<void> publish(const QSqlDatabase& db,
                                                const model::SyncEvent& event);
};

} // namespace pfa::db
