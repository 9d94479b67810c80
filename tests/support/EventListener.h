#pragma once

#include "db/Database.h"
#include "model/Error.h"
#include "model/SyncEvent.h"

#include <QObject>
#include <QSqlDatabase>
#include <QSqlDriver>
#include <QStringList>

#include <chrono>
#include <vector>

namespace pfa::test {

// LISTENs to pfa_sync_events on a connection of its own, as another process would, and keeps
// every payload. Notifications arrive through the event loop: wait with QTRY_* or drain().
// Main thread only.
class EventListener final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(EventListener)

public:
    explicit EventListener(const QString& databaseUrl, QObject* parent = nullptr);
    ~EventListener() override;

    [[nodiscard]] Expected<void> start();

    // Sends a marker notification from `sender` and waits until it arrives. PostgreSQL delivers
    // notifications in commit order, so afterwards every event committed before this call has
    // been received: what is missing then was never sent (no fixed sleep needed to prove it).
    [[nodiscard]] Expected<void>
    drain(const QSqlDatabase& sender, std::chrono::milliseconds timeout = std::chrono::seconds(10));

    // The sync events received so far (markers left out), oldest first.
    [[nodiscard]] std::vector<model::SyncEvent> events() const;
    [[nodiscard]] QStringList payloads() const { return m_payloads; }
    void clear() { m_payloads.clear(); }

private:
    void onNotification(const QString& name, QSqlDriver::NotificationSource source,
                        const QVariant& payload);

    db::Database m_database;
    QStringList m_payloads;
    int m_markers = 0;
};

} // namespace pfa::test
