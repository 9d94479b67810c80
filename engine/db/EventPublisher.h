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

    [[nodiscard]] static Expected<void> publish(const QSqlDatabase& db,
                                                const model::SyncEvent& event);
};

} // namespace pfa::db
