#pragma once

#include "model/Error.h"

#include <QObject>
#include <QSqlDriver>
#include <QString>

class QThread;

namespace pfa::db {

class Database;

// LISTENs on one channel and emits each notification's payload. PostgreSQL delivers
// notifications on commit and in commit order.
//
// Listens on a dedicated connection of the thread that calls start(): QPSQL only delivers
// notifications reliably on a connection that runs no other queries, because libpq consumes them
// while a query runs. That thread needs a running event loop, and must also be the one that
// calls stop() and destroys the listener (connections belong to their thread). Receivers in
// other threads get notified() queued.
class NotificationListener final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(NotificationListener)

public:
    // `database` must outlive the listener.
    NotificationListener(Database& database, QString channel, QObject* parent = nullptr);
    ~NotificationListener() override; // stops: unsubscribes and releases its connection

    // Opens the dedicated connection in the calling thread and subscribes. Starting a started
    // listener does nothing.
    [[nodiscard]] Expected<void> start();
    void stop();
    [[nodiscard]] bool isRunning() const { return m_running; }
    [[nodiscard]] const QString& channel() const { return m_channel; }

Q_SIGNALS:
    void notified(const QString& payload);

private:
    void onNotification(const QString& channel, QSqlDriver::NotificationSource source,
                        const QVariant& payload);

    Database& m_database;
    const QString m_channel;
    const QString m_purpose; // unique per listener: two in one thread never share a session
    bool m_running = false;
    QThread* m_thread = nullptr; // the thread that started it and owns its connection
    QString m_connectionName;
};

} // namespace pfa::db
