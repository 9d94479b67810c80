// How the write path handles PEMS saying no, or saying nothing: each class of failure gets its
// own handling, kept on the item, and only transient failures spend retry attempts.
#include "WritePathTestCase.h"

#include "db/ModificationRepository.h"
#include "db/WritePauseRepository.h"
#include "support/EventListener.h"

using namespace Qt::StringLiterals;
using pfa::model::PfaField;
using pfa::model::SyncStatus;

namespace pfa::test {

class TstWriteFailures : public WritePathTestCase
{
    Q_OBJECT

private:
    // Attempt start times (ms since epoch) of the only queue item, in order.
    std::vector<qint64> attemptStarts()
    {
        std::vector<qint64> starts;
        auto query = db::runQuery(world().db().connection(), u"read attempts",
                                  u"SELECT CAST(EXTRACT(EPOCH FROM started_at) * 1000 AS bigint)"
                                  " FROM pfa_sync_attempt ORDER BY attempt"_s);
        while (query && query->next())
            starts.push_back(query->value(0).toLongLong());
        return starts;
    }

private Q_SLOTS:
    void cleanup() { tearDownWorld(); }

    // Flow 3 of spec/: PEMS answers 503 every time → 3 retries after base, 2×base, 4×base (with
    // jitter), then the dead letter with the last error; nothing was applied.
    void unavailablePemsEndsInTheDeadLetterQueueAfterBackoff()
    {
        SET_UP_WORLD();
        PFA_VERIFY_OK(world().sim().setFaults({{"routes", {{"PUT", {{"error503", 1.0}}}}}}));
        auto config = world().workerConfig();
        config.retryDelay = std::chrono::milliseconds(300);
        QVERIFY(startWorker(config));
        auto committed = world().commit(u"RIO"_s, 10001, laterForecastEnd(10001, 5));
        PFA_VERIFY_OK(committed);
        const qint64 id = committed->modification.id;
        QVERIFY(world().waitForStatus(id, SyncStatus::Failed, 20000));

        const auto starts = attemptStarts();
        QCOMPARE(starts.size(), std::size_t(4)); // the first try and three retries
        const double first = double(starts[1] - starts[0]);
        const double second = double(starts[2] - starts[1]);
        const double third = double(starts[3] - starts[2]);
        // base, 2×base, 4×base, each ±10 % jitter. A loaded machine can only lengthen a gap
        // (processing time), never shorten it: the lower bounds prove the doubling, the upper
        // ones allow 400 ms of processing.
        const auto within = [](double gap, double multiple) {
            return gap >= 300 * multiple * 0.9 && gap <= 300 * multiple * 1.1 + 400;
        };
        QVERIFY2(within(first, 1), qPrintable(QString::number(first)));
        QVERIFY2(within(second, 2), qPrintable(QString::number(second)));
        QVERIFY2(within(third, 4), qPrintable(QString::number(third)));

        QCOMPARE(world().db().value(u"SELECT retry_count FROM pfa_write_queue"_s)->toInt(), 3);
        QCOMPARE(world().db().value(u"SELECT failure_class FROM pfa_write_queue"_s)->toString(),
                 u"transient"_s);
        QCOMPARE(*world().db().count(u"SELECT count(*) FROM pfa_sync_attempt"
                                     " WHERE http_status = 503"_s),
                 qint64(4));
        auto modification = db::ModificationRepository(world().db().connection()).find(id);
        QVERIFY2(modification->syncError.contains(u"503"_s), qPrintable(modification->syncError));
        QVERIFY(modification->syncError.contains(u"4 attempts"_s));
        auto stats = world().sim().stats();
        QCOMPARE((*stats)["writesApplied"].get<int>(), 0);
        // Retries are announced, and so is the dead letter.
        QCOMPARE(*world().db().count(u"SELECT count(*) FROM audit_log"
                                     " WHERE action = 'modification.queued'"
                                     " AND details ->> 'retryInMs' IS NOT NULL"_s),
                 qint64(3));
    }

    // The answer is lost after PEMS applied the change: the retry carries the same key and PEMS
    // replays its first answer, so the change applies once and there is no false conflict.
    void lostAnswerIsRetriedWithTheSameKeyAndAppliesOnce()
    {
        SET_UP_WORLD();
        PFA_VERIFY_OK(world().sim().setFaults(
            {{"seed", 1}, {"routes", {{"PUT", {{"dropProbability", 1.0}}}}}}));
        QVERIFY(startWorker());
        auto committed = world().commit(u"RIO"_s, 10001, laterForecastEnd(10001, 5));
        PFA_VERIFY_OK(committed);
        const qint64 id = committed->modification.id;
        // The first attempt went out; its answer was cut off.
        QTRY_VERIFY_WITH_TIMEOUT(attemptStarts().size() >= 1, 15000);
        PFA_VERIFY_OK(world().sim().clearFaults());
        QVERIFY(world().waitForStatus(id, SyncStatus::Synced));

        const QString key =
            world().db().value(u"SELECT idempotency_key::text FROM pfa_write_queue"_s)->toString();
        auto usage = world().sim().idempotency(key);
        PFA_VERIFY_OK(usage);
        QCOMPARE((*usage)["applications"].get<int>(), 1);
        QVERIFY((*usage)["requests"].get<int>() >= 2);
        auto stats = world().sim().stats();
        QCOMPARE((*stats)["duplicateApplications"].get<int>(), 0);
        QCOMPARE((*stats)["writesApplied"].get<int>(), 1);
        QCOMPARE(*world().db().count(u"SELECT count(*) FROM pfa_sync_attempt"
                                     " WHERE outcome = 'replayed'"_s),
                 qint64(1));
        QCOMPARE(*world().db().count(u"SELECT count(*) FROM pfa_sync_conflict"_s), qint64(0));
        QCOMPARE(world()
                     .db()
                     .value(u"SELECT version FROM pfa_mirror WHERE pfa_id ="
                            " 'PFA-10001'"_s)
                     ->toLongLong(),
                 qint64(2));
    }

    // 429 with Retry-After: the worker waits that long and does not spend an attempt.
    void rateLimitedRequestWaitsRetryAfterWithoutSpendingAnAttempt()
    {
        SET_UP_WORLD({.simArguments = {u"--rate-limit"_s, u"1"_s}});
        QVERIFY(startWorker());
        // Two records at once against a limit of 1/s: the second request gets a 429.
        auto first = world().commit(u"RIO"_s, 10001, laterForecastEnd(10001, 5));
        auto second = world().commit(u"RIO"_s, 10002, laterForecastEnd(10002, 5));
        PFA_VERIFY_OK(first);
        PFA_VERIFY_OK(second);
        QVERIFY(world().waitForStatus(first->modification.id, SyncStatus::Synced));
        QVERIFY(world().waitForStatus(second->modification.id, SyncStatus::Synced));

        QVERIFY(*world().db().count(u"SELECT count(*) FROM pfa_sync_attempt"
                                    " WHERE http_status = 429"_s) >= 1);
        QCOMPARE(*world().db().count(u"SELECT count(*) FROM pfa_write_queue"
                                     " WHERE retry_count > 0"_s),
                 qint64(0));
        // The retry came no earlier than Retry-After (1 s) after the refused request.
        const auto gap = world().db().value(
            u"SELECT CAST(EXTRACT(EPOCH FROM (max(started_at) - min(started_at))) * 1000 AS bigint)"
            " FROM pfa_sync_attempt a JOIN pfa_write_queue q ON q.id = a.queue_id"
            " WHERE q.id IN (SELECT queue_id FROM pfa_sync_attempt WHERE http_status = 429)"_s);
        QVERIFY2(gap->toLongLong() >= 950, qPrintable(gap->toString()));
        auto stats = world().sim().stats();
        QCOMPARE((*stats)["writesApplied"].get<int>(), 2);
    }

    // 401: every later request with the key would fail too, so the organization is paused (and
    // an alert raised) while other organizations keep flowing.
    void refusedCredentialsPauseTheOrganization()
    {
        SET_UP_WORLD(
            {.organizations = {u"RIO"_s, u"HOU"_s},
             .simArguments = {u"--api-key"_s, u"rio-only=RIO"_s, u"--api-key"_s, u"spare=HOU"_s}});
        auto config = world().workerConfig();
        config.pems.apiKey = u"rio-only"_s;
        EventListener listener(world().db().url());
        PFA_VERIFY_OK(listener.start());
        QVERIFY(startWorker(config));
        auto refused = world().commit(u"HOU"_s, 10001, {{PfaField::Description, u"x"_s}});
        PFA_VERIFY_OK(refused);
        QVERIFY(world().waitForStatus(refused->modification.id, SyncStatus::Failed));
        QCOMPARE(world().db().value(u"SELECT failure_class FROM pfa_write_queue"_s)->toString(),
                 u"auth"_s);

        auto pauses = db::WritePauseRepository(world().db().connection()).state();
        PFA_VERIFY_OK(pauses);
        QVERIFY(pauses->organizationReasons.contains(world().organizationId(u"HOU"_s)));
        QVERIFY(!pauses->organizationReasons.contains(world().organizationId(u"RIO"_s)));
        PFA_VERIFY_OK(listener.drain(world().db().connection()));
        QVERIFY(std::ranges::any_of(listener.events(), [&](const model::SyncEvent& event) {
            return event.type == model::EventType::WorkerState && event.status == u"paused"_s &&
                   event.organizationId == world().organizationId(u"HOU"_s);
        }));

        // HOU's next change waits; RIO's goes through.
        auto waiting = world().commit(u"HOU"_s, 10002, {{PfaField::Description, u"y"_s}});
        auto flowing = world().commit(u"RIO"_s, 10001, {{PfaField::Description, u"z"_s}});
        PFA_VERIFY_OK(waiting);
        PFA_VERIFY_OK(flowing);
        QVERIFY(world().waitForStatus(flowing->modification.id, SyncStatus::Synced));
        QCOMPARE(*world().status(waiting->modification.id), SyncStatus::Queued);

        // Resuming lets it go (and it fails the same way: the key is still refused).
        PFA_VERIFY_OK(engine().resume(world().organizationId(u"HOU"_s), u"test"_s));
        QVERIFY(world().waitForStatus(waiting->modification.id, SyncStatus::Failed));
    }

    // A 400 from PEMS is final at once: no retry, the rule named.
    void rejectedChangeFailsAtOnce()
    {
        SET_UP_WORLD();
        PFA_VERIFY_OK(world().sim().deleteRecord(u"RIO"_s, SyncFixture::pfaId(10003)));
        QVERIFY(startWorker());
        auto committed = world().commit(u"RIO"_s, 10003, laterForecastEnd(10003, 5));
        PFA_VERIFY_OK(committed);
        const qint64 id = committed->modification.id;
        QVERIFY(world().waitForStatus(id, SyncStatus::Failed));
        QCOMPARE(*world().db().count(u"SELECT count(*) FROM pfa_sync_attempt"_s), qint64(1));
        QCOMPARE(world().db().value(u"SELECT failure_class FROM pfa_write_queue"_s)->toString(),
                 u"validation"_s);
        auto modification = db::ModificationRepository(world().db().connection()).find(id);
        QVERIFY2(modification->syncError.contains(u"404"_s), qPrintable(modification->syncError));
    }
};

} // namespace pfa::test

QTEST_GUILESS_MAIN(pfa::test::TstWriteFailures)
#include "tst_writefailures.moc"
