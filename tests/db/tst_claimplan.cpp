#include "db/MirrorRepository.h"
#include "db/ModificationRepository.h"
#include "db/QueueRepository.h"
#include "db/Sql.h"
#include "db/Transaction.h"
#include "support/TestDatabase.h"
#include "support/Verify.h"

#include <QElapsedTimer>
#include <QTest>

#include <set>
#include <thread>

using namespace Qt::StringLiterals;
using namespace std::chrono_literals;
using pfa::model::QueueStatus;

namespace pfa::test {

namespace {

struct PlanNode
{
    QString nodeType;
    QString relation;
    QString alias;
    QString index;
};

void collectNodes(const nlohmann::json& plan, std::vector<PlanNode>& nodes)
{
    const auto text = [&](const char* key) {
        return plan.contains(key) ? QString::fromStdString(plan[key].get<std::string>())
                                  : QString();
    };
    nodes.push_back({text("Node Type"), text("Relation Name"), text("Alias"), text("Index Name")});
    if (plan.contains("Plans")) {
        for (const nlohmann::json& child : plan["Plans"])
            collectNodes(child, nodes);
    }
}

QString describe(const std::vector<PlanNode>& nodes)
{
    QStringList lines;
    for (const PlanNode& node : nodes) {
        lines << node.nodeType + (node.relation.isEmpty() ? QString() : u" on "_s + node.relation) +
                     (node.alias.isEmpty() ? QString() : u" "_s + node.alias) +
                     (node.index.isEmpty() ? QString() : u" using "_s + node.index);
    }
    return lines.join(u"\n"_s);
}

QList<qint64> idsOf(const std::vector<model::QueueItem>& items)
{
    QList<qint64> ids;
    for (const model::QueueItem& item : items)
        ids << item.id;
    return ids;
}

} // namespace

// The worker's claim: the query plan on a realistically large queue, and what claim() hands out.
class TstClaimPlan final : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void init();
    void cleanup();

    void claimUsesAnIndexOnALargeQueue();
    void claimHandsOutDueItemsInOrderWithALease();
    void concurrentClaimsGetDisjointItems();
    void expiredLeasesGoBackToPending();
    void zeroSecondLeaseIsReclaimable();

private:
    // Commits a valid change of sample record `number`; returns its queue item.
    Expected<model::QueueItem> queueChange(int number, int priority = 0);
    Expected<void> exec(const QString& sql, std::initializer_list<db::SqlParam> params = {});

    std::unique_ptr<TestDatabase> m_db;
    SeededRecord m_seeded;
};

void TstClaimPlan::init()
{
    auto created = TestDatabase::create();
    PFA_VERIFY_OK(created);
    m_db = std::move(*created);
    auto seeded = m_db->seedOrganizationWithRecord();
    PFA_VERIFY_OK(seeded);
    m_seeded = *seeded;
}

void TstClaimPlan::cleanup()
{
    m_db.reset();
}

Expected<void> TstClaimPlan::exec(const QString& sql, std::initializer_list<db::SqlParam> params)
{
    auto done = db::runQuery(m_db->connection(), u"test statement", sql, params);
    if (!done)
        return std::unexpected(done.error());
    return {};
}

Expected<model::QueueItem> TstClaimPlan::queueChange(int number, int priority)
{
    const QString pfaId = u"PFA-%1"_s.arg(number);
    const auto held = db::MirrorRepository(m_db->connection()).find(m_seeded.organizationId, pfaId);
    if (!held)
        return std::unexpected(held.error());
    if (!*held) {
        if (auto added = m_db->addRecord(m_seeded, number); !added)
            return std::unexpected(added.error());
    }
    auto draft = m_db->saveValidDraft(m_seeded, pfaId, number % 30 + 1);
    if (!draft)
        return std::unexpected(draft.error());
    auto committed = db::ModificationRepository(m_db->connection())
                         .commit(draft->id, m_seeded.userEmail, {.priority = priority});
    if (!committed)
        return std::unexpected(committed.error());
    return committed->queueItem;
}

void TstClaimPlan::claimUsesAnIndexOnALargeQueue()
{
    QElapsedTimer timer;
    timer.start();
    // 1,000 records with 100 changes each; the newest 2 % of the queue still open, as in a
    // system that has been running for months.
    // The rows are consistent by construction: skip the per-row foreign-key triggers while
    // loading (the superuser may), which more than halves the time on a busy 2-core machine.
    PFA_VERIFY_OK(db::runStatement(m_db->connection(), u"bulk load",
                                   u"SET session_replication_role = replica"_s));
    PFA_VERIFY_OK(exec(u"INSERT INTO pfa_mirror (organization_id, pfa_id, version, data)"
                       " SELECT :org, 'BULK-' || g, 1, '{}' FROM generate_series(1, 1000) g"_s,
                       {{"org"_L1, m_seeded.organizationId}}));
    PFA_VERIFY_OK(exec(
        u"INSERT INTO pfa_modification (organization_id, pfa_id, user_id, operation, base_version,"
        " sync_status)"
        " SELECT :org, 'BULK-' || (1 + g % 1000), :user, 'UPDATE', 1,"
        "        CASE WHEN g > 98000 THEN 'queued' WHEN g % 211 = 0 THEN 'failed' ELSE 'synced' END"
        " FROM generate_series(1, 100000) g"_s,
        {{"org"_L1, m_seeded.organizationId}, {"user"_L1, m_seeded.userId}}));
    PFA_VERIFY_OK(
        exec(u"INSERT INTO pfa_write_queue (modification_id, pfa_id, organization_id, operation, "
             u"payload,"
             " status, priority, scheduled_at, completed_at, locked_by, locked_until, last_error)"
             " SELECT m.id, m.pfa_id, m.organization_id, 'UPDATE', '{}',"
             "        s.status, CASE WHEN m.id % 100 = 7 THEN 10 ELSE 0 END,"
             "        now() - (100000 - m.id) * interval '1 minute'"
             "            + CASE WHEN m.id % 40 = 0 THEN interval '3 days' ELSE interval '0' END,"
             "        CASE WHEN s.status = 'completed' THEN now() END,"
             "        CASE WHEN s.status = 'processing' THEN 'worker-7' END,"
             "        CASE WHEN s.status = 'processing' THEN now() + interval '1 minute' END,"
             "        CASE WHEN s.status = 'failed' THEN 'HTTP 422' END"
             " FROM pfa_modification m CROSS JOIN LATERAL (SELECT CASE"
             "        WHEN m.sync_status = 'failed' THEN 'failed'"
             "        WHEN m.sync_status = 'synced' THEN 'completed'"
             "        WHEN m.id % 25 = 0 THEN 'processing' ELSE 'pending' END AS status) s"
             " WHERE m.pfa_id LIKE 'BULK-%'"_s));
    PFA_VERIFY_OK(db::runStatement(m_db->connection(), u"bulk load done",
                                   u"RESET session_replication_role"_s));
    PFA_VERIFY_OK(db::runStatement(m_db->connection(), u"analyze", u"ANALYZE pfa_mirror"_s));
    PFA_VERIFY_OK(db::runStatement(m_db->connection(), u"analyze", u"ANALYZE pfa_modification"_s));
    PFA_VERIFY_OK(db::runStatement(m_db->connection(), u"analyze", u"ANALYZE pfa_write_queue"_s));
    QCOMPARE(m_db->count(u"SELECT count(*) FROM pfa_write_queue"_s).value_or(-1), 100'000);
    const auto pending =
        m_db->count(u"SELECT count(*) FROM pfa_write_queue WHERE status = 'pending'"_s);
    PFA_VERIFY_OK(pending);
    QVERIFY2(*pending > 1000 && *pending < 3000, qPrintable(QString::number(*pending)));
    qInfo("filled 100,000 queue rows in %lld ms", timer.elapsed());

    // Exactly the SQL claim() runs, prepared as QPSQL prepares it, planned both ways PostgreSQL
    // may plan a prepared statement.
    QString candidates = db::QueueRepository::claimCandidatesSql();
    QVERIFY(candidates.contains(u":limit"_s));
    candidates.replace(u":limit"_s, u"$1"_s);
    PFA_VERIFY_OK(db::runStatement(m_db->connection(), u"prepare the claim",
                                   u"PREPARE claim_candidates (integer) AS "_s + candidates));
    for (const QString& mode : {u"force_custom_plan"_s, u"force_generic_plan"_s}) {
        PFA_VERIFY_OK(db::runStatement(m_db->connection(), u"plan cache mode",
                                       u"SET plan_cache_mode = "_s + mode));
        auto explained = db::runStatement(m_db->connection(), u"explain the claim",
                                          u"EXPLAIN (FORMAT JSON) EXECUTE claim_candidates(100)"_s);
        PFA_VERIFY_OK(explained);
        QVERIFY(explained->next());
        const auto json = model::parseJson(explained->value(0).toString().toUtf8());
        PFA_VERIFY_OK(json);
        std::vector<PlanNode> nodes;
        collectNodes(json->at(0).at("Plan"), nodes);
        const QString plan = mode + u":\n"_s + describe(nodes);

        const bool claimIndex = std::ranges::any_of(nodes, [](const PlanNode& node) {
            return node.relation == u"pfa_write_queue"_s && node.alias == u"q"_s &&
                   (node.index == u"idx_writequeue_claim"_s ||
                    node.index == u"idx_writequeue_status_scheduled"_s);
        });
        QVERIFY2(claimIndex, qPrintable(plan));
        const bool seqScan = std::ranges::any_of(nodes, [](const PlanNode& node) {
            return node.nodeType == u"Seq Scan"_s && node.relation == u"pfa_write_queue"_s;
        });
        QVERIFY2(!seqScan, qPrintable(plan));
    }
    PFA_VERIFY_OK(db::runStatement(m_db->connection(), u"reset", u"RESET plan_cache_mode"_s));
    PFA_VERIFY_OK(
        db::runStatement(m_db->connection(), u"deallocate", u"DEALLOCATE claim_candidates"_s));

    // And the claim itself hands out due work from that queue.
    const auto claimed = db::QueueRepository(m_db->connection()).claim(u"worker-1"_s, 100, 60s);
    PFA_VERIFY_OK(claimed);
    QCOMPARE(claimed->size(), size_t(100));
    QCOMPARE(claimed->front().priority, 10);
}

void TstClaimPlan::claimHandsOutDueItemsInOrderWithALease()
{
    // Five records; record 10001 has two changes, record 10004 is held by a dead letter,
    // record 10005's first change is already done, record 10006's change is not due yet.
    std::map<QString, model::QueueItem> items;
    for (const auto& [name, number, priority] :
         {std::tuple{u"first"_s, 10001, 0}, std::tuple{u"second"_s, 10002, 0},
          std::tuple{u"urgent"_s, 10003, 10}, std::tuple{u"first-later"_s, 10001, 0},
          std::tuple{u"dead"_s, 10004, 0}, std::tuple{u"dead-later"_s, 10004, 0},
          std::tuple{u"done"_s, 10005, 0}, std::tuple{u"after-done"_s, 10005, 0},
          std::tuple{u"not-due"_s, 10006, 0}}) {
        auto item = queueChange(number, priority);
        PFA_VERIFY_OK(item);
        items[name] = *item;
    }
    const auto at = [&](const QString& name, const QString& offset) {
        return exec(u"UPDATE pfa_write_queue SET scheduled_at = now() + CAST(:offset AS interval)"
                    " WHERE id = :id"_s,
                    {{"offset"_L1, offset}, {"id"_L1, items[name].id}});
    };
    PFA_VERIFY_OK(at(u"first"_s, u"-5 minutes"_s));
    PFA_VERIFY_OK(at(u"second"_s, u"-4 minutes"_s));
    PFA_VERIFY_OK(at(u"after-done"_s, u"-3 minutes"_s));
    PFA_VERIFY_OK(at(u"urgent"_s, u"-10 seconds"_s));
    PFA_VERIFY_OK(at(u"not-due"_s, u"+1 hour"_s));
    PFA_VERIFY_OK(exec(u"UPDATE pfa_write_queue SET status = 'failed', last_error = 'HTTP 422'"
                       " WHERE id = :id"_s,
                       {{"id"_L1, items[u"dead"_s].id}}));
    PFA_VERIFY_OK(exec(u"UPDATE pfa_write_queue SET status = 'completed', completed_at = now()"
                       " WHERE id = :id"_s,
                       {{"id"_L1, items[u"done"_s].id}}));

    const db::QueueRepository queue(m_db->connection());
    const auto firstBatch = queue.claim(u"worker-a"_s, 2, 60s);
    PFA_VERIFY_OK(firstBatch);
    QCOMPARE(idsOf(*firstBatch), (QList<qint64>{items[u"urgent"_s].id, items[u"first"_s].id}));
    const auto secondBatch = queue.claim(u"worker-a"_s, 10, 60s);
    PFA_VERIFY_OK(secondBatch);
    QCOMPARE(idsOf(*secondBatch),
             (QList<qint64>{items[u"second"_s].id, items[u"after-done"_s].id}));

    for (const auto* batch : {&*firstBatch, &*secondBatch}) {
        for (const model::QueueItem& item : *batch) {
            QCOMPARE(item.status, QueueStatus::Processing);
            QCOMPARE(item.lockedBy, u"worker-a"_s);
            QVERIFY(item.lockedUntil.has_value());
            const auto stored = queue.find(item.id);
            PFA_VERIFY_OK(stored);
            QVERIFY(*stored == item);
            const auto leaseSeconds =
                m_db->value(u"SELECT extract(epoch FROM locked_until - now()) FROM pfa_write_queue"
                            " WHERE id = :id"_s,
                            {{"id"_L1, item.id}});
            PFA_VERIFY_OK(leaseSeconds);
            QVERIFY2(leaseSeconds->toDouble() > 50 && leaseSeconds->toDouble() <= 60,
                     qPrintable(leaseSeconds->toString()));
        }
    }

    // Nothing else is claimable: a later change waits for its record's earlier one, a dead
    // letter holds its own record only, and future work waits for its time.
    const auto nothing = queue.claim(u"worker-b"_s, 10, 60s);
    PFA_VERIFY_OK(nothing);
    QCOMPARE(idsOf(*nothing), QList<qint64>());

    // Once the first change of 10001 is done, its later change is next.
    PFA_VERIFY_OK(exec(u"UPDATE pfa_write_queue SET status = 'completed', completed_at = now(),"
                       " locked_by = NULL, locked_until = NULL WHERE id = :id"_s,
                       {{"id"_L1, items[u"first"_s].id}}));
    const auto unblocked = queue.claim(u"worker-b"_s, 10, 60s);
    PFA_VERIFY_OK(unblocked);
    QCOMPARE(idsOf(*unblocked), QList<qint64>{items[u"first-later"_s].id});
    QCOMPARE(unblocked->front().lockedBy, u"worker-b"_s);

    const auto counts = queue.countsByStatus(m_seeded.organizationId);
    PFA_VERIFY_OK(counts);
    QCOMPARE(counts->at(QueueStatus::Processing), 4); // urgent, second, after-done, first-later
    QCOMPARE(counts->at(QueueStatus::Pending), 2);    // dead-later, not-due
    QCOMPARE(counts->at(QueueStatus::Failed), 1);
    QCOMPARE(counts->at(QueueStatus::Completed), 2);
}

void TstClaimPlan::concurrentClaimsGetDisjointItems()
{
    std::set<qint64> all;
    for (int number = 10001; number <= 10010; ++number) {
        const auto item = queueChange(number);
        PFA_VERIFY_OK(item);
        all.insert(item->id);
    }

    std::optional<Expected<std::vector<model::QueueItem>>> theirs;
    {
        // This worker's claim is still open (its transaction holds the row locks) when another
        // worker, on its own connection and thread, claims.
        auto transaction = db::Transaction::begin(m_db->connection());
        PFA_VERIFY_OK(transaction);
        const auto ours = db::QueueRepository(m_db->connection()).claim(u"worker-a"_s, 4, 60s);
        PFA_VERIFY_OK(ours);
        QCOMPARE(ours->size(), size_t(4));

        std::thread other([&] {
            {
                auto connection = m_db->database().connection();
                if (!connection) {
                    theirs = std::unexpected(connection.error());
                } else if (auto timeout = db::runStatement(*connection, u"lock timeout",
                                                           u"SET lock_timeout = '5s'"_s);
                           !timeout) {
                    theirs = std::unexpected(timeout.error());
                } else {
                    // Without SKIP LOCKED this would wait for worker-a and then fail.
                    theirs = db::QueueRepository(*connection).claim(u"worker-b"_s, 10, 60s);
                }
            }
            m_db->database().releaseThreadConnection();
        });
        other.join();
        PFA_VERIFY_OK(transaction->commit());

        QVERIFY(theirs.has_value());
        PFA_VERIFY_OK(*theirs);
        QCOMPARE((*theirs)->size(), size_t(6));
        std::set<qint64> union_;
        for (const std::vector<model::QueueItem>* batch : {&*ours, &**std::as_const(theirs)}) {
            for (const model::QueueItem& item : *batch)
                QVERIFY2(union_.insert(item.id).second, "an item was claimed twice");
        }
        QVERIFY(union_ == all);
    }
    QCOMPARE(m_db->count(u"SELECT count(*) FROM pfa_write_queue WHERE status = 'processing'"
                         " AND locked_by = 'worker-a'"_s)
                 .value_or(-1),
             4);
    QCOMPARE(m_db->count(u"SELECT count(*) FROM pfa_write_queue WHERE status = 'processing'"
                         " AND locked_by = 'worker-b'"_s)
                 .value_or(-1),
             6);
}

void TstClaimPlan::expiredLeasesGoBackToPending()
{
    std::vector<model::QueueItem> queued;
    for (int number = 10001; number <= 10003; ++number) {
        auto item = queueChange(number);
        PFA_VERIFY_OK(item);
        queued.push_back(*item);
    }
    const db::QueueRepository queue(m_db->connection());
    const auto claimed = queue.claim(u"worker-that-dies"_s, 10, 60s);
    PFA_VERIFY_OK(claimed);
    QCOMPARE(claimed->size(), size_t(3));

    // Two of the leases run out (the worker died); the third is still held.
    PFA_VERIFY_OK(exec(u"UPDATE pfa_write_queue SET locked_until = now() - interval '1 second'"
                       " WHERE id IN (:a, :b)"_s,
                       {{"a"_L1, queued[0].id}, {"b"_L1, queued[1].id}}));
    const auto reclaimed = queue.reclaimExpiredLeases();
    PFA_VERIFY_OK(reclaimed);
    QCOMPARE(*reclaimed, 2);
    for (size_t i = 0; i < queued.size(); ++i) {
        const auto item = queue.find(queued[i].id);
        PFA_VERIFY_OK(item);
        if (i < 2) {
            QCOMPARE(item->status, QueueStatus::Pending);
            QVERIFY(item->lockedBy.isEmpty());
            QVERIFY(!item->lockedUntil);
        } else {
            QCOMPARE(item->status, QueueStatus::Processing);
            QCOMPARE(item->lockedBy, u"worker-that-dies"_s);
        }
        QCOMPARE(item->idempotencyKey, queued[i].idempotencyKey);
    }
    QCOMPARE(queue.reclaimExpiredLeases().value_or(-1), 0);

    // Another worker picks the work up, with the same idempotency keys.
    const auto retaken = queue.claim(u"worker-2"_s, 10, 60s);
    PFA_VERIFY_OK(retaken);
    QCOMPARE(idsOf(*retaken), (QList<qint64>{queued[0].id, queued[1].id}));
    QCOMPARE(retaken->at(0).idempotencyKey, queued[0].idempotencyKey);
    QCOMPARE(retaken->at(0).lockedBy, u"worker-2"_s);
}

void TstClaimPlan::zeroSecondLeaseIsReclaimable()
{
    const auto item = queueChange(10001);
    PFA_VERIFY_OK(item);
    const db::QueueRepository queue(m_db->connection());
    const auto claimed = queue.claim(u"worker-1"_s, 1, 0s);
    PFA_VERIFY_OK(claimed);
    QCOMPARE(idsOf(*claimed), QList<qint64>{item->id});
    // The lease ends at the claim's transaction time, so any later transaction sees it expired.
    // (QTRY_* evaluates its expression once more at the end: count what was reclaimed.)
    int reclaimed = 0;
    QTRY_VERIFY_WITH_TIMEOUT((reclaimed += queue.reclaimExpiredLeases().value_or(0)) > 0, 5000);
    QCOMPARE(reclaimed, 1);
    QCOMPARE(queue.find(item->id)->status, QueueStatus::Pending);
}

} // namespace pfa::test

QTEST_GUILESS_MAIN(pfa::test::TstClaimPlan)
#include "tst_claimplan.moc"
