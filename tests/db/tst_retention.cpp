// Retention: completed queue items (and their attempts) go after the configured age; open items,
// conflicts, dead letters and the audit log stay.
#include "db/ModificationRepository.h"
#include "db/WriteBatchRepository.h"
#include "support/TestDatabase.h"
#include "support/Verify.h"

#include <QTest>

using namespace Qt::StringLiterals;

namespace pfa::test {

class TstRetention final : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void onlyOldCompletedItemsArePruned()
    {
        auto created = TestDatabase::create();
        PFA_VERIFY_OK(created);
        TestDatabase& db = **created;
        auto seeded = db.seedOrganizationWithRecord();
        PFA_VERIFY_OK(seeded);
        for (int number = 10002; number <= 10005; ++number)
            PFA_VERIFY_OK(db.addRecord(*seeded, number));
        db::ModificationRepository modifications(db.connection());
        std::vector<qint64> queueIds;
        for (int number = 10001; number <= 10005; ++number) {
            auto draft = db.saveValidDraft(*seeded, u"PFA-%1"_s.arg(number));
            PFA_VERIFY_OK(draft);
            auto committed = modifications.commit(draft->id, u"test"_s);
            PFA_VERIFY_OK(committed);
            queueIds.push_back(committed->queueItem.id);
        }
        // Items 0 and 1 completed long ago (with an attempt each), 2 completed just now,
        // 3 a dead letter from long ago, 4 still pending. Set up directly: this is a fixture.
        for (const auto& [index, status, age] :
             {std::tuple{0, u"completed"_s, 40}, std::tuple{1, u"completed"_s, 31},
              std::tuple{2, u"completed"_s, 0}, std::tuple{3, u"failed"_s, 40}}) {
            PFA_VERIFY_OK(db.value(u"UPDATE pfa_write_queue SET status = :status,"
                                   " completed_at = CASE WHEN :status2 = 'completed'"
                                   "   THEN now() - make_interval(days => :age) END,"
                                   " created_at = now() - make_interval(days => :age2)"
                                   " WHERE id = :id RETURNING id"_s,
                                   {{"status"_L1, status},
                                    {"status2"_L1, status},
                                    {"age"_L1, age},
                                    {"age2"_L1, age},
                                    {"id"_L1, queueIds[std::size_t(index)]}}));
            PFA_VERIFY_OK(db.value(u"INSERT INTO pfa_sync_attempt (queue_id, attempt, started_at,"
                                   " outcome) VALUES (:id, 1, now(), 'success') RETURNING id"_s,
                                   {{"id"_L1, queueIds[std::size_t(index)]}}));
        }
        const qint64 auditRows = *db.count(u"SELECT count(*) FROM audit_log"_s);

        db::WriteBatchRepository batches(db.connection(), u"test-worker"_s);
        auto pruned = batches.pruneCompleted(std::chrono::hours(24 * 30));
        PFA_VERIFY_OK(pruned);
        QCOMPARE(*pruned, 2);

        auto remaining = db.value(u"SELECT string_agg(status, ',' ORDER BY id)"
                                  " FROM pfa_write_queue"_s);
        QCOMPARE(remaining->toString(), u"completed,failed,pending"_s);
        QCOMPARE(*db.count(u"SELECT count(*) FROM pfa_sync_attempt"_s), qint64(2));
        QCOMPARE(*db.count(u"SELECT count(*) FROM audit_log"_s), auditRows);
        QCOMPARE(*db.count(u"SELECT count(*) FROM pfa_modification"_s), qint64(5));
    }
};

} // namespace pfa::test

QTEST_GUILESS_MAIN(pfa::test::TstRetention)
#include "tst_retention.moc"
