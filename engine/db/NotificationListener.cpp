#include "db/NotificationListener.h"

#include "db/Database.h"
#include "db/DbLog.h"

#include <QAtomicInteger>
#include <QSqlDatabase>
#include <QSqlError>
#include <QThread>
#include <QVariant>

using namespace Qt::StringLiterals;

namespace pfa::db {

namespace {

QAtomicInteger<quint64> s_listenerCounter;

} // namespace

NotificationListener::NotificationListener(Database& database, QString channel, QObject* parent)
    : QObject(parent)
    , m_database(database)
    , m_channel(std::move(channel))
    , m_purpose(u"listen-%1-%2"_s.arg(m_channel).arg(s_listenerCounter.fetchAndAddRelaxed(1)))
{}

NotificationListener::~NotificationListener()
{
    stop();
}

Expected<void> NotificationListener::start()
{
    if (m_running)
        return {};
    auto db = m_database.dedicatedConnection(m_purpose);
    if (!db)
        return std::unexpected(db.error());
    QSqlDriver* driver = db->driver();
    connect(driver, &QSqlDriver::notification, this, &NotificationListener::onNotification);
    if (!driver->subscribeToNotification(m_channel)) {
        const QString reason = driver->lastError().text();
        disconnect(driver, nullptr, this, nullptr);
        *db = QSqlDatabase(); // released below; no handle may stay behind
        m_database.releaseDedicatedConnection(m_purpose);
        return fail(ErrorCode::Database, u"cannot LISTEN to %1: %2"_s.arg(m_channel, reason));
    }
    m_running = true;
    m_thread = QThread::currentThread();
    m_connectionName = db->connectionName();
    qCDebug(lcDb) << "listening to" << m_channel;
    return {};
}

void NotificationListener::stop()
{
    if (!m_running)
        return;
    m_running = false;
    if (QThread::currentThread() != m_thread) {
        qCWarning(lcDb) << "a listener must be stopped by the thread that started it;"
                           " its connection stays open";
        return;
    }
    // Looked up rather than asked of m_database, which would reopen a connection that the thread
    // already released (releaseThreadConnection()) just to UNLISTEN on it.
    if (QSqlDatabase::contains(m_connectionName)) {
        const QSqlDatabase db = QSqlDatabase::database(m_connectionName, /*open=*/false);
        disconnect(db.driver(), nullptr, this, nullptr);
        if (db.isOpen())
            db.driver()->unsubscribeFromNotification(m_channel);
    }
    m_database.releaseDedicatedConnection(m_purpose);
    qCDebug(lcDb) << "stopped listening to" << m_channel;
}

void NotificationListener::onNotification(const QString& channel, QSqlDriver::NotificationSource,
                                          const QVariant& payload)
{
    if (channel == m_channel)
        Q_EMIT notified(payload.toString());
}

} // namespace pfa::db
