#include "sync/EventBus.h"

#include "db/Database.h"
#include "db/EventPublisher.h"
#include "model/FieldValue.h"
#include "sync/SyncLog.h"

#include <QAtomicInteger>
#include <QSqlDatabase>
#include <QSqlError>
#include <QThread>

using namespace Qt::StringLiterals;

namespace pfa::sync {

namespace {

QAtomicInteger<quint64> s_busCounter;

// Enough of a bad payload to recognise it in the log without flooding it (NOTIFY allows 8 kB).
constexpr qsizetype LoggedPayloadLength = 200;

} // namespace

EventBus::EventBus(db::Database& database, QObject* parent)
    : QObject(parent)
    , m_database(database)
    , m_purpose(u"events-%1"_s.arg(s_busCounter.fetchAndAddRelaxed(1)))
{
    // By name too, for queued connections and QVariant users that look the type up by name.
    qRegisterMetaType<model::SyncEvent>();
}

EventBus::~EventBus()
{
    stop();
}

Expected<void> EventBus::start()
{
    if (m_running)
        return {};
    auto db = m_database.dedicatedConnection(m_purpose);
    if (!db)
        return std::unexpected(db.error());
    QSqlDriver* driver = db->driver();
    connect(driver, &QSqlDriver::notification, this, &EventBus::onNotification);
    if (!driver->subscribeToNotification(QString(db::EventPublisher::Channel))) {
        const QString reason = driver->lastError().text();
        disconnect(driver, nullptr, this, nullptr);
        *db = QSqlDatabase(); // released below; no handle may stay behind
        m_database.releaseDedicatedConnection(m_purpose);
        return fail(ErrorCode::Database,
                    u"cannot LISTEN to %1: %2"_s.arg(db::EventPublisher::Channel, reason));
    }
    m_running = true;
    m_thread = QThread::currentThread();
    m_connectionName = db->connectionName();
    qCDebug(lcSync) << "listening to" << db::EventPublisher::Channel;
    return {};
}

void EventBus::stop()
{
    if (!m_running)
        return;
    m_running = false;
    if (QThread::currentThread() != m_thread) {
        qCWarning(lcSync) << "an event bus must be stopped by the thread that started it;"
                             " its connection stays open";
        return;
    }
    // Looked up rather than asked of m_database, which would reopen a connection that the thread
    // already released (releaseThreadConnection()) just to UNLISTEN on it.
    if (QSqlDatabase::contains(m_connectionName)) {
        const QSqlDatabase db = QSqlDatabase::database(m_connectionName, /*open=*/false);
        disconnect(db.driver(), nullptr, this, nullptr);
        if (db.isOpen())
            db.driver()->unsubscribeFromNotification(QString(db::EventPublisher::Channel));
    }
    m_database.releaseDedicatedConnection(m_purpose);
    qCDebug(lcSync) << "stopped listening to" << db::EventPublisher::Channel;
}

void EventBus::onNotification(const QString& channel, QSqlDriver::NotificationSource,
                              const QVariant& payload)
{
    if (channel != db::EventPublisher::Channel)
        return;
    const QString text = payload.toString();
    const auto json = model::parseJson(text.toUtf8());
    auto event = json ? model::syncEventFromJson(*json) : std::unexpected(json.error());
    if (!event) {
        qCWarning(lcSync).noquote()
            << "dropping a malformed sync event:" << event.error().toString()
            << "payload:" << text.left(LoggedPayloadLength);
        return;
    }
    Q_EMIT eventReceived(*event);
}

} // namespace pfa::sync
