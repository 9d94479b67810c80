// Scale-out of the write path: three `pfa-sync worker` processes share one queue of 3,000
// modifications (3,000 records) and one PEMS rate limit of 100 requests/s, against a pems-sim that
// enforces the same limit. Every change must go out exactly once, all three workers must take
// part, and no sliding second may see more than 100 requests at PEMS.
#include "support/SyncFixture.h"
#include "support/Verify.h"
#include "support/WorkerProcess.h"

#include "db/Sql.h"

#include <QElapsedTimer>
#include <QTest>

using namespace Qt::StringLiterals;
using pfa::model::FieldMap;
using pfa::model::PfaField;

namespace pfa::test {

namespace {

const QString Org = u"RIO"_s;
constexpr int Records = 3000;
constexpr int RateLimit = 100;
const QStringList WorkerIds{u"scale-1"_s, u"scale-2"_s, u"scale-3"_s};

} // namespace

class TstScaleOut : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void threeWorkersShareTheQueueAndTheRateLimit();

private:
    qint64 count(const QString& sql)
    {
        auto value = m_world->db().count(sql);
        return value ? *value : -1;
    }
    void reportSendWindows();

    std::unique_ptr<SyncFixture> m_world;
};

void TstScaleOut::threeWorkersShareTheQueueAndTheRateLimit()
{
    QElapsedTimer phase;
    phase.start();
    auto world =
        SyncFixture::create({.recordsPerOrganization = Records,
                             .simArguments = {u"--rate-limit"_s, QString::number(RateLimit)}});
    PFA_VERIFY_OK(world);
    m_world = std::move(*world);
    const qint64 seeded = phase.restart();

    std::vector<std::pair<int, FieldMap>> changes;
    changes.reserve(Records);
    for (int i = 0; i < Records; ++i) {
        const int number = 10001 + i;
        const auto end =
            std::get<QDateTime>(m_world->record(Org, number).at(PfaField::ForecastEnd));
        changes.emplace_back(number, FieldMap{{PfaField::ForecastEnd, end.addDays(1 + i % 60)}});
    }
    auto committed = m_world->commitMany(Org, changes);
    PFA_VERIFY_OK(committed);
    QCOMPARE(int(committed->size()), Records);
    qInfo("seeded %d records in %lld ms, committed %d modifications in %lld ms", Records, seeded,
          Records, phase.restart());

    const QProcessEnvironment environment = WorkerProcess::environment(
        *m_world, {.rateLimit = RateLimit, .concurrency = 32, .batchSize = 100});
    std::vector<std::unique_ptr<WorkerProcess>> workers;
    for (const QString& id : WorkerIds) {
        workers.push_back(
            std::make_unique<WorkerProcess>(QStringLiteral(PFA_SYNC_BINARY), id, environment));
        PFA_VERIFY_OK(workers.back()->launch());
    }
    for (auto& worker : workers)
        PFA_VERIFY_OK(worker->waitUntilRunning());

    // 3,000 requests at 100/s take 30 s; the bound leaves room for a loaded machine.
    const bool drained = QTest::qWaitFor(
        [&] {
            return count(u"SELECT count(*) FROM pfa_write_queue"
                         " WHERE status IN ('pending', 'processing')"_s) == 0;
        },
        60000);
    const qint64 syncing = phase.restart();
    for (auto& worker : workers) {
        auto stopped = worker->stop();
        PFA_VERIFY_OK(stopped);
        QVERIFY2(*stopped == 0, worker->output().right(3000).constData());
    }
    QVERIFY2(drained, qPrintable(u"%1 items still open"_s.arg(
                          count(u"SELECT count(*) FROM pfa_write_queue"
                                " WHERE status IN ('pending', 'processing')"_s))));
    qInfo("3 workers synced %d modifications in %lld ms (%.1f/s)", Records, syncing,
          1000.0 * Records / double(std::max<qint64>(syncing, 1)));

    reportSendWindows();
    auto stats = m_world->sim().stats();
    PFA_VERIFY_OK(stats);
    qInfo("pems-sim: %s", (*stats).dump().c_str());
    const int busiest = (*stats)["maxRequestsInAnySecond"].get<int>();
    QVERIFY2(busiest <= RateLimit,
             qPrintable(u"%1 requests reached PEMS within one second"_s.arg(busiest)));
    QCOMPARE((*stats)["requests"].value("PUT 200", 0), Records);
    QCOMPARE((*stats)["totalRequests"].get<int>(), Records); // nothing refused, nothing re-sent
    QCOMPARE((*stats)["writesApplied"].get<int>(), Records);
    QCOMPARE((*stats)["duplicateApplications"].get<int>(), 0);

    // Every change synced, sent once, answered once.
    QCOMPARE(count(u"SELECT count(*) FROM pfa_modification WHERE sync_status = 'synced'"_s),
             qint64(Records));
    QCOMPARE(count(u"SELECT count(*) FROM pfa_write_queue q WHERE q.status <> 'completed'"
                   " OR (SELECT count(*) FROM pfa_sync_attempt a WHERE a.queue_id = q.id) <> 1"
                   " OR NOT EXISTS (SELECT 1 FROM pfa_sync_attempt a WHERE a.queue_id = q.id"
                   "                  AND a.outcome = 'success')"_s),
             qint64(0));
    QCOMPARE(count(u"SELECT count(*) FROM audit_log WHERE action = 'modification.syncing'"_s),
             qint64(Records));

    // All three took part: the worker that moves a modification to syncing is the audit actor,
    // and the one that started an item also finished it (no lease was taken over).
    auto shares =
        db::runQuery(m_world->db().connection(), u"read each worker's share",
                     u"SELECT actor, count(*) FROM audit_log WHERE action = 'modification.syncing'"
                     " GROUP BY actor ORDER BY actor"_s);
    PFA_VERIFY_OK(shares);
    QStringList seen;
    QStringList report;
    while (shares->next()) {
        seen << shares->value(0).toString();
        report << u"%1: %2"_s.arg(shares->value(0).toString(), shares->value(1).toString());
    }
    qInfo().noquote() << "sent per worker:" << report.join(u", "_s);
    QCOMPARE(seen, WorkerIds);
    QCOMPARE(count(u"SELECT count(*) FROM audit_log s JOIN audit_log d"
                   " ON d.entity = s.entity AND d.entity_id = s.entity_id"
                   " WHERE s.action = 'modification.syncing' AND d.action = 'modification.synced'"
                   "   AND d.actor <> s.actor"_s),
             qint64(0));
    m_world.reset();
}

// The workers' own view of the rate: the busiest second of the attempts' start times (when the
// request went out), next to pems-sim's count of arrivals.
void TstScaleOut::reportSendWindows()
{
    auto busiest = db::runQuery(
        m_world->db().connection(), u"find the busiest second of sends",
        u"SELECT max(n) FROM (SELECT count(*) OVER (ORDER BY started_at RANGE BETWEEN"
        " interval '999 milliseconds' PRECEDING AND CURRENT ROW) AS n FROM pfa_sync_attempt) w"_s);
    if (busiest && busiest->next())
        qInfo("busiest second of sends by the workers' clocks: %lld requests",
              busiest->value(0).toLongLong());
}

} // namespace pfa::test

QTEST_GUILESS_MAIN(pfa::test::TstScaleOut)
#include "tst_scaleout.moc"
