#include "sync/EventBus.h"

#include "db/EventPublisher.h"
#include "db/NotificationListener.h"
#include "model/FieldValue.h"
#include "sync/SyncLog.h"

using namespace Qt::StringLiterals;

namespace pfa::sync {

namespace {

// Enough of a bad payload to recognise it in the log without flooding it (NOTIFY allows 8 kB).
constexpr qsizetype LoggedPayloadLength = 200;

} // namespace

EventBus::EventBus(db::Database& database, QObject* parent)
    : QObject(parent)
    , m_listener(new db::NotificationListener(database, QString(db::EventPublisher::Channel), this))
{
    // By name too, for queued connections and QVariant users that look the type up by name.
    qRegisterMetaType<model::SyncEvent>();
    connect(m_listener, &db::NotificationListener::notified, this, &EventBus::onPayload);
}

EventBus::~EventBus() = default;

Expected<void> EventBus::start()
{
    return m_listener->start();
}

void EventBus::stop()
{
    m_listener->stop();
}

bool EventBus::isRunning() const
{
    return m_listener->isRunning();
}

void EventBus::onPayload(const QString& payload)
{
    const auto json = model::parseJson(payload.toUtf8());
    auto event = json ? model::syncEventFromJson(*json) : std::unexpected(json.error());
    if (!event) {
        qCWarning(lcSync).noquote()
            << "dropping a malformed sync event:" << event.error().toString()
            << "payload:" << payload.left(LoggedPayloadLength);
        return;
    }
    Q_EMIT eventReceived(*event);
}

} // namespace pfa::sync
