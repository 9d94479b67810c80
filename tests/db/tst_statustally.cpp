// The sync-status tally (0012_status_tally.sql) against a fold of the queue rows themselves: after
// every kind of change the queue goes through — commit, claim, lease renewal, completion, failure,
// conflict, redrive, a rolled-back transaction, retention, truncation — the constant-time summary
// and the scan agree, for one organization and for all; and compaction keeps the totals.
#include "db/ModificationRepository.h"
#include "db/SyncStatusRepository.h"
#include "db/WriteBatchRepository.h"
#include "support/TestDatabase.h"
#include "support/Verify.h"

#include <QSqlError>
#include <QSqlQuery>
#include <QTest>

using namespace Qt::StringLiterals;

namespace pfa::test {

namespace {

QString describe(const db::SyncStatusSummary& s)
{
    return u"pending %1 processing %2 completed %3 failed %4 conflicts %5 auto %6 avg %7 last %8 "
           "oldest %9"_s.arg(s.pending)
               .arg(s.processing)
               .arg(s.completed)
               .arg(s.failed)
               .arg(s.conflicts)
               .arg(s.autoMerged)
               .arg(s.averageSyncTime ? QString::number(s.averageSyncTime->count()) : u"-"_s)
               .arg(s.lastSyncAt ? s.lastSyncAt->toString(Qt::ISODateWithMs) : u"-"_s)
               .arg(s.oldestOpenAt ? s.oldestOpenAt->toString(Qt::ISODateWithMs) : u"-"_s);
}

} // namespace

class TstStatusTally final : public QObject
{
    Q_OBJECT

    std::unique_ptr<TestDatabase> m_db;
    SeededRecord m_acme;
    SeededRecord m_bolt;
    std::vector<qint64> m_queueIds; // ACME's five, then BOLT's two

    // The tallied and the scanned summary, for ACME, BOLT and all, must say the same.
    bool agrees(const char* step)
    {
        const db::SyncStatusRepository status(m_db->connection());
        for (const std::optional<qint64> organization :
             {std::optional<qint64>(m_acme.organizationId),
              std::optional<qint64>(m_bolt.organizationId), std::optional<qint64>()}) {
            const auto tallied = status.summary({.organizationId = organization});
            const auto scanned = status.scannedSummary({.organizationId = organization});
            if (!tallied || !scanned) {
                qWarning() << step << (tallied ? scanned.error() : tallied.error()).toString();
                return false;
            }
            if (describe(*tallied) != describe(*scanned)) {
                qWarning().noquote()
                    << step << "organization" << organization.value_or(0)
                    << "\n tallied:" << describe(*tallied) << "\n scanned:" << describe(*scanned);
                return false;
            }
        }
        return true;
    }

    bool run(const QString& sql)
    {
        QSqlQuery query(m_db->connection());
        if (!query.exec(sql)) {
            qWarning() << sql << query.lastError().text();
            return false;
        }
        return true;
    }

    QString ids(std::initializer_list<int> indexes) const
    {
        QStringList list;
        for (const int index : indexes)
            list.append(QString::number(m_queueIds.at(std::size_t(index))));
        return list.join(u',');
    }

private Q_SLOTS:
    void init()
    {
        auto created = TestDatabase::create();
        PFA_VERIFY_OK(created);
        m_db = std::move(*created);
        auto acme = m_db->seedOrganizationWithRecord(u"ACME"_s);
        PFA_VERIFY_OK(acme);
        m_acme = *acme;
        auto bolt = m_db->seedOrganizationWithRecord(u"BOLT"_s);
        PFA_VERIFY_OK(bolt);
        m_bolt = *bolt;
        for (int number = 10002; number <= 10005; ++number)
            PFA_VERIFY_OK(m_db->addRecord(m_acme, number));
        PFA_VERIFY_OK(m_db->addRecord(m_bolt, 10002));
        db::ModificationRepository modifications(m_db->connection());
        m_queueIds.clear();
        for (const auto& [seeded, number] :
             {std::pair{&m_acme, 10001}, std::pair{&m_acme, 10002}, std::pair{&m_acme, 10003},
              std::pair{&m_acme, 10004}, std::pair{&m_acme, 10005}, std::pair{&m_bolt, 10001},
              std::pair{&m_bolt, 10002}}) {
            auto draft = m_db->saveValidDraft(*seeded, u"PFA-%1"_s.arg(number));
            PFA_VERIFY_OK(draft);
            auto committed = modifications.commit(draft->id, u"test"_s);
            PFA_VERIFY_OK(committed);
            m_queueIds.push_back(committed->queueItem.id);
        }
    }
    void cleanup() { m_db.reset(); }

    void theTallyAgreesWithTheRowsThroughEveryTransition()
    {
        QVERIFY(agrees("committed"));
        const auto summary = db::SyncStatusRepository(m_db->connection()).summary();
        PFA_VERIFY_OK(summary);
        QCOMPARE(summary->pending, qint64(7)); // not only agreeing: right

        QVERIFY(run(u"UPDATE pfa_write_queue SET status = 'processing', locked_by = 'w',"
                    " locked_until = now() + interval '1 minute' WHERE id IN (%1)"_s.arg(
                        ids({0, 1, 2, 3, 5}))));
        QVERIFY(agrees("claimed"));
        QVERIFY(run(u"UPDATE pfa_write_queue SET locked_until = locked_until + interval '1 minute'"
                    " WHERE status = 'processing'"_s));
        QVERIFY(agrees("lease renewed"));

        QVERIFY(run(u"UPDATE pfa_write_queue SET status = 'completed', locked_by = NULL,"
                    " locked_until = NULL, completed_at = created_at + interval '1234.567 ms'"
                    " WHERE id IN (%1)"_s.arg(ids({0, 1, 5}))));
        QVERIFY(
            run(u"UPDATE pfa_write_queue SET status = 'failed', locked_by = NULL,"
                " locked_until = NULL, failure_class = 'conflict' WHERE id = %1"_s.arg(ids({2}))));
        QVERIFY(
            run(u"UPDATE pfa_write_queue SET status = 'failed', locked_by = NULL,"
                " locked_until = NULL, failure_class = 'transient' WHERE id = %1"_s.arg(ids({3}))));
        QVERIFY(agrees("settled"));
        const auto settled = db::SyncStatusRepository(m_db->connection())
                                 .summary({.organizationId = m_acme.organizationId});
        PFA_VERIFY_OK(settled);
        QCOMPARE(settled->completed, qint64(2));
        QCOMPARE(settled->failed, qint64(1));
        QCOMPARE(settled->conflicts, qint64(1));
        QCOMPARE(settled->pending, qint64(1));
        QCOMPARE(settled->averageSyncTime, std::optional(std::chrono::milliseconds(1235)));

        // A transaction that is rolled back leaves no trace in the tally either.
        QVERIFY(m_db->connection().transaction());
        QVERIFY(run(u"UPDATE pfa_write_queue SET status = 'pending', failure_class = NULL"
                    " WHERE status = 'failed'"_s));
        QVERIFY(m_db->connection().rollback());
        QVERIFY(agrees("rolled back"));

        QVERIFY(run(u"UPDATE pfa_write_queue SET status = 'pending', failure_class = NULL"
                    " WHERE id = %1"_s.arg(ids({3}))));
        QVERIFY(agrees("redriven"));

        QVERIFY(run(u"UPDATE pfa_write_queue SET completed_at = now() - interval '40 days'"
                    " WHERE id = %1"_s.arg(ids({0}))));
        QVERIFY(agrees("aged"));
        auto pruned = db::WriteBatchRepository(m_db->connection(), u"test-worker"_s)
                          .pruneCompleted(std::chrono::hours(24 * 30));
        PFA_VERIFY_OK(pruned);
        QCOMPARE(*pruned, 1);
        QVERIFY(agrees("pruned"));

        QVERIFY(run(u"TRUNCATE pfa_write_queue CASCADE"_s));
        QVERIFY(agrees("truncated"));
        const auto empty = db::SyncStatusRepository(m_db->connection()).summary();
        PFA_VERIFY_OK(empty);
        QCOMPARE(empty->pending + empty->processing + empty->completed + empty->failed, qint64(0));
    }

    void compactionFoldsFinishedBackendsAndKeepsTheTotals()
    {
        // Another session (another backend, so another slot) completes an item and goes away.
        {
            QSqlDatabase other = QSqlDatabase::cloneDatabase(m_db->connection(), u"other"_s);
            QVERIFY(other.open());
            QSqlQuery query(other);
            QVERIFY(query.exec(
                u"UPDATE pfa_write_queue SET status = 'completed',"
                " completed_at = created_at + interval '2 s' WHERE id = %1"_s.arg(ids({4}))));
            query.finish();
            other.close();
        }
        QSqlDatabase::removeDatabase(u"other"_s);
        const auto slots = [this] {
            return *m_db->count(u"SELECT count(DISTINCT slot) FROM pfa_write_queue_tally"_s);
        };
        QVERIFY(slots() >= 2);
        QVERIFY(agrees("before compaction"));
        // The other backend's exit is asynchronous; compaction only takes what is gone.
        QTRY_VERIFY_WITH_TIMEOUT(
            *m_db->count(u"SELECT pfa_write_queue_tally_compact()"_s) >= 0 && slots() <= 2, 10000);
        QVERIFY(agrees("after compaction"));
        QCOMPARE(*m_db->count(u"SELECT count(*) FROM pfa_write_queue_tally WHERE slot <> 0"
                              " AND slot <> pg_backend_pid()"_s),
                 qint64(0));
    }
};

} // namespace pfa::test

QTEST_GUILESS_MAIN(pfa::test::TstStatusTally)
#include "tst_statustally.moc"
