#include "db/EventPublisher.h"
#include "db/Sql.h"
#include "db/Transaction.h"
#include "support/TestDatabase.h"
#include "support/Verify.h"
#include "sync/EventBus.h"

#include <QRegularExpression>
#include <QScopeGuard>
#include <QSet>
#include <QSignalSpy>
#include <QTest>
#include <QThread>

#include <memory>

using namespace Qt::StringLiterals;
using pfa::model::EventType;
using pfa::model::SyncEvent;
using pfa::sync::EventBus;

namespace pfa::test {

namespace {

SyncEvent makeEvent(EventType type, qint64 modificationId, const QString& status)
{
    return SyncEvent{.type = type,
                     .organizationId = 7,
                     .pfaId = u"PFA-10001"_s,
                     .modificationId = modificationId,
                     .queueId = modificationId + 100,
                     .conflictId = std::nullopt,
                     .jobId = std::nullopt,
                     .status = status,
                     // Whole milliseconds: that is what the JSON form carries.
                     .at = QDateTime(QDate(2026, 3, 1), QTime(12, 30, 15, 250), Qt::UTC)};
}

std::vector<SyncEvent> received(const QSignalSpy& spy)
{
    std::vector<SyncEvent> events;
    for (const QList<QVariant>& arguments : spy)
        events.push_back(arguments.at(0).value<SyncEvent>());
    return events;
}

Expected<void> publishCommitted(const QSqlDatabase& db, const SyncEvent& event)
{
    auto transaction = db::Transaction::begin(db);
    if (!transaction)
        return std::unexpected(transaction.error());
    if (auto published = db::EventPublisher::publish(db, event); !published)
        return published;
    return transaction->commit();
}

} // namespace

// Typed sync events in: what every listener of pfa_sync_events (the GUI, the WebSocket relay)
// builds on. Absence is proven with a later event, never with a sleep: PostgreSQL delivers
// notifications in commit order.
class TstEventBus final : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void init();
    void cleanup();

    void committedEventsArriveTypedInCommitOrder();
    void rolledBackEventNeverArrives();
    void malformedPayloadsAreDroppedAndLaterEventsArrive();
    void usesOneDedicatedSessionAndReleasesIt();
    void stoppedBusHearsNothingAndCanRestart();
    void deliversToAnotherThread();
    void dedicatedConnectionsEndWithTheirThread();

private:
    // Sessions connected to this test's database, including the one asking.
    qint64 sessions();
    void notifyRaw(const QString& payload);

    std::unique_ptr<TestDatabase> m_db;
};

void TstEventBus::init()
{
    auto created = TestDatabase::create();
    PFA_VERIFY_OK(created);
    m_db = std::move(*created);
}

void TstEventBus::cleanup()
{
    m_db.reset();
}

qint64 TstEventBus::sessions()
{
    return m_db
        ->count(u"SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"_s)
        .value_or(-1);
}

void TstEventBus::notifyRaw(const QString& payload)
{
    PFA_VERIFY_OK(db::runQuery(
        m_db->connection(), u"send a raw notification", u"SELECT pg_notify(:channel, :payload)"_s,
        {{"channel"_L1, QString(db::EventPublisher::Channel)}, {"payload"_L1, payload}}));
}

void TstEventBus::committedEventsArriveTypedInCommitOrder()
{
    EventBus bus(m_db->database());
    QSignalSpy spy(&bus, &EventBus::eventReceived);
    PFA_VERIFY_OK(bus.start());
    QVERIFY(bus.isRunning());

    const SyncEvent first = makeEvent(EventType::SyncQueued, 1, u"queued"_s);
    const SyncEvent second = makeEvent(EventType::SyncConflict, 2, u"conflict"_s);
    const SyncEvent third = makeEvent(EventType::SyncSuccess, 3, u"synced"_s);

    // Two writers: A publishes first but commits last, so commit order (B, A) differs from the
    // order of the publish calls.
    const QSqlDatabase writerA = m_db->connection();
    {
        const auto writerB = m_db->database().dedicatedConnection(u"second-writer"_s);
        PFA_VERIFY_OK(writerB);
        auto transactionA = db::Transaction::begin(writerA);
        PFA_VERIFY_OK(transactionA);
        PFA_VERIFY_OK(db::EventPublisher::publish(writerA, first));
        PFA_VERIFY_OK(publishCommitted(*writerB, second));
        PFA_VERIFY_OK(transactionA->commit());
        PFA_VERIFY_OK(publishCommitted(*writerB, third));
    }
    m_db->database().releaseDedicatedConnection(u"second-writer"_s);

    QTRY_COMPARE(spy.count(), 3);
    const auto events = received(spy);
    QCOMPARE(events[0], second);
    QCOMPARE(events[1], first);
    QCOMPARE(events[2], third);
}

void TstEventBus::rolledBackEventNeverArrives()
{
    EventBus bus(m_db->database());
    QSignalSpy spy(&bus, &EventBus::eventReceived);
    PFA_VERIFY_OK(bus.start());

    const QSqlDatabase db = m_db->connection();
    {
        auto transaction = db::Transaction::begin(db);
        PFA_VERIFY_OK(transaction);
        PFA_VERIFY_OK(db::EventPublisher::publish(db, makeEvent(EventType::SyncFailed, 1, u"x"_s)));
        transaction->rollback();
    }
    // Committed after the rollback: had the rolled-back event been sent, it would come first.
    const SyncEvent marker = makeEvent(EventType::WorkerState, 2, u"running"_s);
    PFA_VERIFY_OK(publishCommitted(db, marker));

    QTRY_VERIFY(!spy.isEmpty());
    QCOMPARE(spy.count(), 1);
    QCOMPARE(received(spy).front(), marker);
}

void TstEventBus::malformedPayloadsAreDroppedAndLaterEventsArrive()
{
    EventBus bus(m_db->database());
    QSignalSpy spy(&bus, &EventBus::eventReceived);
    PFA_VERIFY_OK(bus.start());

    // Each one must be logged (QTest fails the test if an expected message never comes).
    const QStringList malformed{
        u"not json"_s,
        u"{\"type\":\"NO_SUCH_TYPE\",\"organizationId\":7}"_s,
        u"[1, 2, 3]"_s,
        QString(),
    };
    for (const QString& payload : malformed) {
        QTest::ignoreMessage(
            QtWarningMsg, QRegularExpression(u"^dropping a malformed sync event: .* payload: "_s +
                                             QRegularExpression::escape(payload) + u'$'));
        notifyRaw(payload);
    }
    const SyncEvent valid = makeEvent(EventType::SyncRetry, 5, u"retrying"_s);
    PFA_VERIFY_OK(publishCommitted(m_db->connection(), valid));

    // Sent after every malformed payload, so once it is here they have all been handled.
    QTRY_VERIFY(!spy.isEmpty());
    QCOMPARE(spy.count(), 1);
    QCOMPARE(received(spy).front(), valid);
    QVERIFY(bus.isRunning());
}

void TstEventBus::usesOneDedicatedSessionAndReleasesIt()
{
    const qint64 baseline = sessions();
    QVERIFY(baseline >= 1);
    {
        EventBus bus(m_db->database());
        PFA_VERIFY_OK(bus.start());
        QCOMPARE(sessions(), baseline + 1); // its own session, not this thread's
        PFA_VERIFY_OK(bus.start());         // starting again opens nothing more
        QCOMPARE(sessions(), baseline + 1);

        EventBus second(m_db->database());
        PFA_VERIFY_OK(second.start()); // two buses in one thread never share a session
        QCOMPARE(sessions(), baseline + 2);

        bus.stop();
        QVERIFY(!bus.isRunning());
        // The server ends a backend shortly after its client disconnects.
        QTRY_COMPARE(sessions(), baseline + 1);
    } // the destructor stops `second`
    QTRY_COMPARE(sessions(), baseline);
}

void TstEventBus::stoppedBusHearsNothingAndCanRestart()
{
    EventBus bus(m_db->database());
    QSignalSpy spy(&bus, &EventBus::eventReceived);
    PFA_VERIFY_OK(bus.start());
    const SyncEvent before = makeEvent(EventType::SyncQueued, 1, u"queued"_s);
    PFA_VERIFY_OK(publishCommitted(m_db->connection(), before));
    QTRY_COMPARE(spy.count(), 1);

    bus.stop();
    PFA_VERIFY_OK(
        publishCommitted(m_db->connection(), makeEvent(EventType::SyncStarted, 2, u"in_flight"_s)));
    PFA_VERIFY_OK(bus.start());
    const SyncEvent after = makeEvent(EventType::SyncSuccess, 3, u"synced"_s);
    PFA_VERIFY_OK(publishCommitted(m_db->connection(), after));

    QTRY_COMPARE(spy.count(), 2);
    QCOMPARE(received(spy), (std::vector<SyncEvent>{before, after}));
}

void TstEventBus::deliversToAnotherThread()
{
    const qint64 baseline = sessions();
    QThread thread;
    thread.setObjectName(u"event-bus-thread"_s);
    auto* bus = new EventBus(m_db->database()); // deleted in its thread when the thread ends
    bus->moveToThread(&thread);
    connect(&thread, &QThread::finished, bus, &QObject::deleteLater);
    thread.start();
    const auto stopThread = qScopeGuard([&thread] {
        thread.quit();
        thread.wait();
    });

    std::vector<SyncEvent> events;
    std::vector<QThread*> deliveredIn;
    // Queued into this (main) thread: needs SyncEvent registered as a metatype.
    connect(bus, &EventBus::eventReceived, this, [&](const SyncEvent& event) {
        events.push_back(event);
        deliveredIn.push_back(QThread::currentThread());
    });
    Expected<void> started = fail(ErrorCode::Internal, u"start() did not run"_s);
    QVERIFY(QMetaObject::invokeMethod(
        bus, [&] { started = bus->start(); }, Qt::BlockingQueuedConnection));
    PFA_VERIFY_OK(started);

    const SyncEvent event = makeEvent(EventType::RollbackQueued, 9, u"queued"_s);
    PFA_VERIFY_OK(publishCommitted(m_db->connection(), event));
    QTRY_COMPARE(events.size(), std::size_t{1});
    QCOMPARE(events.front(), event);
    QCOMPARE(deliveredIn.front(), QThread::currentThread());

    // Ending the thread destroys the bus there, which releases the thread's session.
    thread.quit();
    QVERIFY(thread.wait(QDeadlineTimer(std::chrono::seconds(10))));
    QTRY_COMPARE(sessions(), baseline);
}

void TstEventBus::dedicatedConnectionsEndWithTheirThread()
{
    // db::Database's side of the bus: one connection per purpose and thread, and all of a
    // thread's connections released by the releaseThreadConnection() it calls before finishing.
    const qint64 baseline = sessions();
    const auto unnamed = m_db->database().dedicatedConnection(QString());
    QVERIFY(!unnamed);
    QCOMPARE(unnamed.error().code, ErrorCode::InvalidInput);

    QStringList names;
    qint64 sessionsInThread = -1;
    QStringList leftAfterRelease;
    std::unique_ptr<QThread> thread(QThread::create([&] {
        db::Database& database = m_db->database();
        {
            const auto own = database.connection();
            const auto a = database.dedicatedConnection(u"a"_s);
            const auto again = database.dedicatedConnection(u"a"_s);
            const auto b = database.dedicatedConnection(u"b"_s);
            if (!own || !a || !again || !b)
                return;
            names << own->connectionName() << a->connectionName() << again->connectionName()
                  << b->connectionName();
            auto counted = db::runQuery(*own, u"count sessions",
                                        u"SELECT count(*) FROM pg_stat_activity"
                                        " WHERE datname = current_database()"_s);
            if (counted && counted->next())
                sessionsInThread = counted->value(0).toLongLong();
        }
        database.releaseThreadConnection();
        for (const QString& name : std::as_const(names))
            if (QSqlDatabase::contains(name))
                leftAfterRelease << name;
    }));
    thread->start();
    QVERIFY(thread->wait(QDeadlineTimer(std::chrono::seconds(10))));
    QCOMPARE(names.size(), 4);
    QCOMPARE(names[1], names[2]); // the same purpose gives the same connection
    QCOMPARE(QSet<QString>(names.cbegin(), names.cend()).size(), 3);
    QCOMPARE(sessionsInThread, baseline + 3);
    QVERIFY2(leftAfterRelease.isEmpty(), qPrintable(leftAfterRelease.join(u", "_s)));
    QTRY_COMPARE(sessions(), baseline);
}

} // namespace pfa::test

QTEST_GUILESS_MAIN(pfa::test::TstEventBus)
#include "tst_eventbus.moc"
