#include "model/ConflictStatus.h"
#include "model/EventType.h"
#include "model/FailureClass.h"
#include "model/HistorySource.h"
#include "model/JobTrigger.h"
#include "model/Operation.h"
#include "model/QueueStatus.h"
#include "model/Resolution.h"
#include "model/SyncStatus.h"

#include <QTest>

#include <set>

using namespace Qt::StringLiterals;
using namespace pfa::model;

Q_DECLARE_METATYPE(pfa::model::SyncStatus)

class TestSyncStatus final : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void transitions_data();
    void transitions();
    void terminal();
    void wireNames_data();
    void wireNames();
    void fromWireRejects();

private:
    template<WireEnum E>
    void addRows(const char* enumName, std::initializer_list<std::pair<E, const char*>> rows);
};

namespace {

constexpr std::array AllStatuses{SyncStatus::Draft,   SyncStatus::Committed, SyncStatus::Queued,
                                 SyncStatus::Syncing, SyncStatus::Synced,    SyncStatus::Conflict,
                                 SyncStatus::Failed,  SyncStatus::Discarded};

// The allowed edges, written out independently of the implementation.
const std::set<std::pair<SyncStatus, SyncStatus>> Allowed{
    {SyncStatus::Draft, SyncStatus::Committed},    {SyncStatus::Draft, SyncStatus::Discarded},
    {SyncStatus::Committed, SyncStatus::Queued},   {SyncStatus::Queued, SyncStatus::Syncing},
    {SyncStatus::Queued, SyncStatus::Discarded},   {SyncStatus::Syncing, SyncStatus::Synced},
    {SyncStatus::Syncing, SyncStatus::Conflict},   {SyncStatus::Syncing, SyncStatus::Failed},
    {SyncStatus::Syncing, SyncStatus::Queued},     {SyncStatus::Conflict, SyncStatus::Queued},
    {SyncStatus::Conflict, SyncStatus::Discarded}, {SyncStatus::Failed, SyncStatus::Queued},
    {SyncStatus::Failed, SyncStatus::Discarded},
};

} // namespace

void TestSyncStatus::transitions_data()
{
    QTest::addColumn<SyncStatus>("from");
    QTest::addColumn<SyncStatus>("to");
    QTest::addColumn<bool>("allowed");

    // Every pair: all 13 allowed edges and all 51 forbidden ones, self-loops included.
    for (SyncStatus from : AllStatuses) {
        for (SyncStatus to : AllStatuses) {
            const QByteArray name = (toWire(from) + u" -> "_s + toWire(to)).toUtf8();
            QTest::newRow(name.constData()) << from << to << Allowed.contains({from, to});
        }
    }
}

void TestSyncStatus::transitions()
{
    QFETCH(SyncStatus, from);
    QFETCH(SyncStatus, to);
    QFETCH(bool, allowed);
    QCOMPARE(canTransition(from, to), allowed);
}

void TestSyncStatus::terminal()
{
    for (SyncStatus s : AllStatuses) {
        const bool terminal = s == SyncStatus::Synced || s == SyncStatus::Discarded;
        QCOMPARE(isTerminal(s), terminal);
        // A terminal state has no way out; every other state has one.
        const bool hasExit = std::any_of(AllStatuses.begin(), AllStatuses.end(),
                                         [s](SyncStatus to) { return canTransition(s, to); });
        QCOMPARE(hasExit, !terminal);
    }
}

template<WireEnum E>
void TestSyncStatus::addRows(const char* enumName,
                             std::initializer_list<std::pair<E, const char*>> rows)
{
    // Every enumerator must have a row here, so a new one cannot ship without a tested name.
    QCOMPARE(rows.size(), WireNames<E>::table.size());
    for (const auto& [value, wire] : rows) {
        const QString expected = QString::fromLatin1(wire);
        const bool ok =
            toWire(value) == expected && fromWire<E>(expected) == std::optional<E>(value);
        QTest::addRow("%s %s", enumName, wire) << expected << toWire(value) << ok;
    }
}

void TestSyncStatus::wireNames_data()
{
    QTest::addColumn<QString>("expected");
    QTest::addColumn<QString>("actual");
    QTest::addColumn<bool>("roundTrips");

    addRows<SyncStatus>("SyncStatus", {{SyncStatus::Draft, "draft"},
                                       {SyncStatus::Committed, "committed"},
                                       {SyncStatus::Queued, "queued"},
                                       {SyncStatus::Syncing, "syncing"},
                                       {SyncStatus::Synced, "synced"},
                                       {SyncStatus::Conflict, "conflict"},
                                       {SyncStatus::Failed, "failed"},
                                       {SyncStatus::Discarded, "discarded"}});
    addRows<QueueStatus>("QueueStatus", {{QueueStatus::Pending, "pending"},
                                         {QueueStatus::Processing, "processing"},
                                         {QueueStatus::Completed, "completed"},
                                         {QueueStatus::Failed, "failed"}});
    addRows<ConflictStatus>("ConflictStatus",
                            {{ConflictStatus::Unresolved, "unresolved"},
                             {ConflictStatus::ResolvedAuto, "resolved_auto"},
                             {ConflictStatus::ResolvedManual, "resolved_manual"}});
    addRows<Resolution>("Resolution", {{Resolution::UseLocal, "use_local"},
                                       {Resolution::UsePems, "use_pems"},
                                       {Resolution::Merge, "merge"}});
    addRows<Operation>("Operation", {{Operation::Update, "UPDATE"}, {Operation::Delete, "DELETE"}});
    addRows<JobTrigger>("JobTrigger", {{JobTrigger::Schedule, "schedule"},
                                       {JobTrigger::Manual, "manual"},
                                       {JobTrigger::Api, "api"},
                                       {JobTrigger::Rollback, "rollback"},
                                       {JobTrigger::Resolution, "resolution"}});
    addRows<HistorySource>("HistorySource", {{HistorySource::Pull, "pull"},
                                             {HistorySource::Write, "write"},
                                             {HistorySource::Rollback, "rollback"}});
    addRows<EventType>("EventType", {{EventType::SyncQueued, "SYNC_QUEUED"},
                                     {EventType::SyncStarted, "SYNC_STARTED"},
                                     {EventType::SyncSuccess, "SYNC_SUCCESS"},
                                     {EventType::SyncRetry, "SYNC_RETRY"},
                                     {EventType::SyncConflict, "SYNC_CONFLICT"},
                                     {EventType::SyncFailed, "SYNC_FAILED"},
                                     {EventType::ConflictResolved, "CONFLICT_RESOLVED"},
                                     {EventType::RollbackQueued, "ROLLBACK_QUEUED"},
                                     {EventType::WorkerState, "WORKER_STATE"},
                                     {EventType::SyncDiscarded, "SYNC_DISCARDED"},
                                     {EventType::ReadSync, "READ_SYNC"},
                                     {EventType::SyncStale, "SYNC_STALE"}});
    addRows<FailureClass>("FailureClass", {{FailureClass::Conflict, "conflict"},
                                           {FailureClass::NeedsConfirmation, "needs_confirmation"},
                                           {FailureClass::Validation, "validation"},
                                           {FailureClass::Transient, "transient"},
                                           {FailureClass::Auth, "auth"},
                                           {FailureClass::RateLimit, "rate_limit"}});
}

void TestSyncStatus::wireNames()
{
    QFETCH(QString, expected);
    QFETCH(QString, actual);
    QFETCH(bool, roundTrips);
    QCOMPARE(actual, expected);
    QVERIFY(roundTrips);
}

void TestSyncStatus::fromWireRejects()
{
    QVERIFY(!fromWire<SyncStatus>(u"Draft").has_value()); // case matters on the wire
    QVERIFY(!fromWire<SyncStatus>(u"").has_value());
    QVERIFY(!fromWire<SyncStatus>(u" draft").has_value());
    QVERIFY(!fromWire<Operation>(u"update").has_value());
    QVERIFY(!fromWire<EventType>(u"sync_queued").has_value());
    QVERIFY(!fromWire<FailureClass>(u"rate-limit").has_value());
    QCOMPARE(wireNameList<Operation>(), u"UPDATE, DELETE"_s);
}

QTEST_APPLESS_MAIN(TestSyncStatus)
#include "tst_syncstatus.moc"
