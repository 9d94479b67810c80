#include "support/EventListener.h"

#include "db/EventPublisher.h"
#include "db/Sql.h"
#include "model/FieldValue.h"

#include <QTest>

using namespace Qt::StringLiterals;

namespace pfa::test {

namespace {

const QString MarkerPrefix = u"pfa-test-marker-"_s;

} // namespace

EventListener::EventListener(const QString& databaseUrl, QObject* parent)
    : QObject(parent)
    , m_database(databaseUrl, u"pfa-test-listener"_s)
{}

EventListener::~EventListener()
{
    if (auto db = m_database.connection())
        db->driver()->unsubscribeFromNotification(QString(db::EventPublisher::Channel));
}

Expected<void> EventListener::start()
{
    auto db = m_database.connection();
    if (!db)
        return std::unexpected(db.error());
    QSqlDriver* driver = db->driver();
    connect(driver, &QSqlDriver::notification, this, &EventListener::onNotification);
    if (!driver->subscribeToNotification(QString(db::EventPublisher::Channel)))
        return fail(ErrorCode::Database, u"cannot LISTEN to %1"_s.arg(db::EventPublisher::Channel));
    return {};
}

void EventListener::onNotification(const QString& name, QSqlDriver::NotificationSource,
                                   const QVariant& payload)
{
    if (name == db::EventPublisher::Channel)
        m_payloads << payload.toString();
}

Expected<void> EventListener::drain(const QSqlDatabase& sender, std::chrono::milliseconds timeout)
{
    const QString marker = MarkerPrefix + QString::number(++m_markers);
    auto sent = db::runQuery(
        sender, u"send a marker notification", u"SELECT pg_notify(:channel, :payload)"_s,
        {{"channel"_L1, QString(db::EventPublisher::Channel)}, {"payload"_L1, marker}});
    if (!sent)
        return std::unexpected(sent.error());
    if (!QTest::qWaitFor([&] { return m_payloads.contains(marker); },
                         static_cast<int>(timeout.count())))
        return fail(ErrorCode::Io,
                    u"the marker notification did not arrive within %1 ms"_s.arg(timeout.count()));
    m_payloads.removeAll(marker);
    return {};
}

std::vector<model::SyncEvent> EventListener::events() const
{
    std::vector<model::SyncEvent> events;
    for (const QString& payload : m_payloads) {
        if (payload.startsWith(MarkerPrefix))
            continue;
        const auto json = model::parseJson(payload.toUtf8());
        if (auto event = json ? model::syncEventFromJson(*json) : std::unexpected(json.error()))
            events.push_back(std::move(*event));
        else
            qWarning("not a sync event: %s", qPrintable(payload));
    }
    return events;
}

} // namespace pfa::test
