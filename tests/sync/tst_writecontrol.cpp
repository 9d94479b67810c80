// The operator's controls over the write path: pause and resume, sync now (a manual job), a
// graceful stop with requests in flight, and the counters the overview and metrics show.
#include "WritePathTestCase.h"

#include "db/JobRepository.h"
#include "db/ModificationRepository.h"

using namespace Qt::StringLiterals;
using pfa::model::PfaField;
using pfa::model::SyncStatus;

namespace pfa::test {

class TstWriteControl : public WritePathTestCase
{
    Q_OBJECT

private:
    model::FieldMap change(const QString& text) { return {{PfaField::Description, text}}; }

    QDateTime databaseNow()
    {
        return world().db().value(u"SELECT clock_timestamp()"_s)->toDateTime().toUTC();
    }

private Q_SLOTS:
    void cleanup() { tearDownWorld(); }

    // A paused organization's changes wait while the others flow; after resume they go.
    void pausedOrganizationWaitsForResume()
    {
        SET_UP_WORLD({.organizations = {u"RIO"_s, u"HOU"_s}});
        QVERIFY(startWorker());
        PFA_VERIFY_OK(engine().pause(world().organizationId(u"RIO"_s), u"PEMS maintenance window"_s,
                                     u"ops"_s));
        auto waiting = world().commit(u"RIO"_s, 10001, change(u"after the window"_s));
        auto flowing = world().commit(u"HOU"_s, 10001, change(u"now"_s));
        PFA_VERIFY_OK(waiting);
        PFA_VERIFY_OK(flowing);
        // HOU's change was committed after RIO's, so the claim that took it saw RIO's too.
        QVERIFY(world().waitForStatus(flowing->modification.id, SyncStatus::Synced));
        QCOMPARE(*world().status(waiting->modification.id), SyncStatus::Queued);

        PFA_VERIFY_OK(engine().resume(world().organizationId(u"RIO"_s), u"ops"_s));
        QVERIFY(world().waitForStatus(waiting->modification.id, SyncStatus::Synced));
        QCOMPARE(
            *world().db().count(u"SELECT count(*) FROM audit_log"
                                " WHERE action IN ('write_sync.paused', 'write_sync.resumed')"_s),
            qint64(2));
    }

    // Paused for everything: a commit waits even when the worker is woken; resume releases it.
    void pausedWritePathWaitsForResume()
    {
        SET_UP_WORLD();
        QVERIFY(startWorker());
        PFA_VERIFY_OK(engine().pause(std::nullopt, u"PEMS maintenance window"_s, u"ops"_s));
        auto committed = world().commit(u"RIO"_s, 10001, change(u"after the window"_s));
        PFA_VERIFY_OK(committed);
        const qint64 committedAt = QDateTime::currentMSecsSinceEpoch();
        engine().wake();
        QTRY_VERIFY_WITH_TIMEOUT(engine().metrics()->heartbeatMs.load() >= committedAt, 30000);
        QCOMPARE(*world().status(committed->modification.id), SyncStatus::Queued);
        PFA_VERIFY_OK(engine().resume(std::nullopt, u"ops"_s));
        QVERIFY(world().waitForStatus(committed->modification.id, SyncStatus::Synced));
    }

    // Sync now opens a manual job that groups what is claimed next; it is finished once its
    // items are settled.
    void syncNowGroupsItsItemsIntoAManualJob()
    {
        SET_UP_WORLD();
        QVERIFY(startWorker());
        auto job = engine().syncNow(world().organizationId(u"RIO"_s), world().userId(),
                                    model::JobTrigger::Manual, u"pat.planner@example.test"_s);
        PFA_VERIFY_OK(job);
        auto committed = world().commit(u"RIO"_s, 10002, change(u"now please"_s));
        PFA_VERIFY_OK(committed);
        QVERIFY(world().waitForStatus(committed->modification.id, SyncStatus::Synced));
        auto modification =
            db::ModificationRepository(world().db().connection()).find(committed->modification.id);
        QCOMPARE(modification->jobId, std::optional<qint64>(job->id));
        QTRY_VERIFY_WITH_TIMEOUT(
            db::JobRepository(world().db().connection()).find(job->id)->finishedAt.has_value(),
            10000);
        QCOMPARE(db::JobRepository(world().db().connection()).find(job->id)->trigger,
                 model::JobTrigger::Manual);
    }

    // Stopping with a request in flight: no new claims, the answer is still recorded, no lease
    // is left behind, and the worker says it stopped.
    void gracefulStopLetsTheRequestInFlightFinish()
    {
        SET_UP_WORLD();
        PFA_VERIFY_OK(world().sim().setFaults({{"routes", {{"PUT", {{"latencyMs", 800}}}}}}));
        QVERIFY(startWorker());
        auto committed = world().commit(u"RIO"_s, 10001, change(u"in flight"_s));
        PFA_VERIFY_OK(committed);
        QVERIFY(world().waitForStatus(committed->modification.id, SyncStatus::Syncing));

        QSignalSpy stopped(&engine(), &sync::WriteSyncEngine::stopped);
        engine().stop();
        QVERIFY(stopped.wait(10000));
        QCOMPARE(*world().status(committed->modification.id), SyncStatus::Synced);
        QCOMPARE(*world().db().count(u"SELECT count(*) FROM pfa_write_queue"
                                     " WHERE locked_by IS NOT NULL"_s),
                 qint64(0));

        // Committed after the stop: stays queued for the next worker.
        auto later = world().commit(u"RIO"_s, 10002, change(u"later"_s));
        PFA_VERIFY_OK(later);
        QCOMPARE(*world().status(later->modification.id), SyncStatus::Queued);
        QVERIFY(!engine().isRunning());
    }

    // What the overview and /metrics read: counts and latencies of what really happened.
    void metricsCountWhatHappened()
    {
        SET_UP_WORLD();
        PFA_VERIFY_OK(world().sim().editRecord(u"RIO"_s, SyncFixture::pfaId(10003),
                                               {{"description", "PEMS"}}));
        QVERIFY(startWorker());
        auto first = world().commit(u"RIO"_s, 10001, change(u"one"_s));
        auto second = world().commit(u"RIO"_s, 10002, change(u"two"_s));
        auto third = world().commit(u"RIO"_s, 10003, change(u"mine"_s));
        PFA_VERIFY_OK(first);
        PFA_VERIFY_OK(second);
        PFA_VERIFY_OK(third);
        QVERIFY(world().waitForStatus(first->modification.id, SyncStatus::Synced));
        QVERIFY(world().waitForStatus(second->modification.id, SyncStatus::Synced));
        QVERIFY(world().waitForStatus(third->modification.id, SyncStatus::Conflict));
        const auto metrics = engine().metrics();
        QTRY_COMPARE(metrics->itemsSynced.load(), quint64(2));
        QCOMPARE(metrics->conflicts.load(), quint64(1));
        QCOMPARE(metrics->commitToSynced.snapshot().count, quint64(2));
        // Three PUTs, one answered 409; the conflict was then found against PEMS' version.
        QCOMPARE(metrics->requestsSent.load(), quint64(3));
        QVERIFY(metrics->heartbeatMs.load() > 0);
    }
};

} // namespace pfa::test

QTEST_GUILESS_MAIN(pfa::test::TstWriteControl)
#include "tst_writecontrol.moc"
