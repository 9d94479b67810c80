#pragma once

#include "model/Error.h"
#include "model/SyncEvent.h"

#include <QObject>
#include <QString>

namespace pfa::db {
class Database;
class NotificationListener;
} // namespace pfa::db

namespace pfa::sync {

// Sync events in: LISTENs on pfa_sync_events (through a db::NotificationListener, which has the
// rules about threads and connections) and emits each notification as a typed SyncEvent.
// PostgreSQL delivers notifications on commit and in commit order, so this sees exactly the
// committed state changes of every process sharing the database.
class EventBus final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(EventBus)

public:
    // `database` must outlive the bus.
    explicit EventBus(db::Database& database, QObject* parent = nullptr);
    ~EventBus() override;

    // Opens the dedicated connection in the calling thread and subscribes. Starting a started bus
    // does nothing.
    [[nodiscard]] Expected<void> start();
    void stop();
    [[nodiscard]] bool isRunning() const;

Q_SIGNALS:
    // Parsed with model::syncEventFromJson; malformed payloads are logged and dropped.
    void eventReceived(const pfa::model::SyncEvent& event);

private:
    void onPayload(const QString& payload);

    db::NotificationListener* m_listener; // child of this
};

} // namespace pfa::sync

Q_DECLARE_METATYPE(pfa::model::SyncEvent)
