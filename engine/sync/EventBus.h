#pragma once

#include "model/Error.h"
#include "model/SyncEvent.h"

#include <QObject>
#include <QSqlDriver>
#include <QString>

class QThread;

namespace pfa::db {
class Database;
}

namespace pfa::sync {

// Sync events in: LISTENs on pfa_sync_events and emits each notification as a typed SyncEvent.
// PostgreSQL delivers notifications on commit and in commit order, so this sees exactly the
// committed state changes of every process sharing the database.
//
// Listens on a dedicated connection of the thread that calls start(): QPSQL only delivers
// notifications reliably on a connection that runs no other queries, because libpq consumes them
// while a query runs. That thread needs a running event loop, and must also be the one that
// calls stop() and destroys the bus (connections belong to their thread). Receivers in other
// threads get eventReceived() queued.
class EventBus final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(EventBus)

public:
    // `database` must outlive the bus.
    explicit EventBus(db::Database& database, QObject* parent = nullptr);
    ~EventBus() override; // stops: unsubscribes and releases its connection

    // Opens the dedicated connection in the calling thread and subscribes. Starting a started bus
    // does nothing.
    [[nodiscard]] Expected<void> start();
    void stop();
    [[nodiscard]] bool isRunning() const { return m_running; }

Q_SIGNALS:
    // Parsed with model::syncEventFromJson; malformed payloads are logged and dropped.
    void eventReceived(const pfa::model::SyncEvent& event);

private:
    void onNotification(const QString& channel, QSqlDriver::NotificationSource source,
                        const QVariant& payload);

    db::Database& m_database;
    const QString m_purpose; // unique per bus, so two buses in one thread never share a session
    bool m_running = false;
    QThread* m_thread = nullptr; // the thread that started the bus and owns its connection
    QString m_connectionName;
};

} // namespace pfa::sync

Q_DECLARE_METATYPE(pfa::model::SyncEvent)
