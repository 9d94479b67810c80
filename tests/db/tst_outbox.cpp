#include "db/JobRepository.h"
#include "db/ModificationRepository.h"
#include "db/OrganizationRepository.h"
#include "db/SqlError.h"
#include "db/Transaction.h"
#include "support/EventListener.h"
#include "support/TestDatabase.h"
#include "support/Verify.h"

#include <QTest>

using namespace Qt::StringLiterals;
using pfa::model::SyncStatus;

namespace pfa::test {

// The outbox promise: a modification's state, its queue row, its audit rows and its event are
// written together or not at all, also when commit() runs inside a caller's transaction.
class TstOutbox final : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void init();
    void cleanup();

    void failureInsideCommitLeavesNothing_data();
    void failureInsideCommitLeavesNothing();
    void commitWithAJobLinksModificationAndQueueRow();
    void outerRollbackUndoesANestedCommit();
    void savepoints_data();
    void savepoints();
    void failedCommitInsideABatchKeepsTheRestOfTheBatch();

private:
    // What a user can see of a modification: "status queue-rows audit-rows".
    QString footprint(qint64 modificationId);
    qint64 count(const QString& sql);
    db::ModificationRepository repository()
    {
        return db::ModificationRepository(m_db->connection());
    }

    std::unique_ptr<TestDatabase> m_db;
    SeededRecord m_seeded;
};

void TstOutbox::init()
{
    auto created = TestDatabase::create();
    PFA_VERIFY_OK(created);
    m_db = std::move(*created);
    auto seeded = m_db->seedOrganizationWithRecord();
    PFA_VERIFY_OK(seeded);
    m_seeded = *seeded;
}

void TstOutbox::cleanup()
{
    m_db.reset();
}

qint64 TstOutbox::count(const QString& sql)
{
    const auto counted = m_db->count(sql);
    if (!counted)
        qWarning("%s", qPrintable(counted.error().toString()));
    return counted.value_or(-1);
}

QString TstOutbox::footprint(qint64 modificationId)
{
    const auto modification = repository().find(modificationId);
    const auto queueRows =
        m_db->count(u"SELECT count(*) FROM pfa_write_queue WHERE modification_id = :id"_s,
                    {{"id"_L1, modificationId}});
    const auto auditRows = m_db->count(u"SELECT count(*) FROM audit_log"
                                       " WHERE entity = 'pfa_modification' AND entity_id = :id"_s,
                                       {{"id"_L1, QString::number(modificationId)}});
    if (!modification || !queueRows || !auditRows)
        return u"unreadable"_s;
    return u"%1 queue=%2 audit=%3"_s.arg(model::toWire(modification->status))
        .arg(*queueRows)
        .arg(*auditRows);
}

void TstOutbox::failureInsideCommitLeavesNothing_data()
{
    QTest::addColumn<qint64>("jobId");
    QTest::addColumn<int>("maxRetries");
    QTest::addColumn<QString>("sqlState");

    // Both fail at the queue insert, after the draft -> committed update and its audit row.
    QTest::newRow("job that does not exist")
        << qint64(987654) << 3 << QString(db::sqlstate::ForeignKeyViolation);
    QTest::newRow("negative retry budget")
        << qint64(0) << -1 << QString(db::sqlstate::CheckViolation);
}

void TstOutbox::failureInsideCommitLeavesNothing()
{
    QFETCH(qint64, jobId);
    QFETCH(int, maxRetries);
    QFETCH(QString, sqlState);

    EventListener listener(m_db->url());
    PFA_VERIFY_OK(listener.start());
    const auto draft = m_db->saveValidDraft(m_seeded);
    PFA_VERIFY_OK(draft);
    PFA_VERIFY_OK(listener.drain(m_db->connection()));
    listener.clear();
    QCOMPARE(footprint(draft->id), u"draft queue=0 audit=1"_s);

    const QString preparedStatements = u"SELECT count(*) FROM pg_prepared_statements"_s;
    const auto preparedBefore = count(preparedStatements);
    db::CommitOptions options;
    options.maxRetries = maxRetries;
    if (jobId != 0)
        options.jobId = jobId;
    const auto committed = repository().commit(draft->id, m_seeded.userEmail, options);
    QVERIFY(!committed);
    QCOMPARE(committed.error().code, ErrorCode::Conflict);
    QCOMPARE(committed.error().detail, sqlState);
    // The failed transaction's server-side statements are gone too: a long-running worker
    // must not pile them up.
    QCOMPARE(count(preparedStatements), preparedBefore);

    QCOMPARE(footprint(draft->id), u"draft queue=0 audit=1"_s);
    const auto found = repository().find(draft->id);
    PFA_VERIFY_OK(found);
    QVERIFY(*found == *draft); // updated_at and job_id included
    QCOMPARE(count(u"SELECT count(*) FROM pfa_write_queue"_s), 0);
    PFA_VERIFY_OK(listener.drain(m_db->connection()));
    QCOMPARE(listener.events().size(), size_t(0));

    // The draft is not poisoned: committing it properly works.
    PFA_VERIFY_OK(repository().commit(draft->id, m_seeded.userEmail));
    QCOMPARE(footprint(draft->id), u"queued queue=1 audit=3"_s);
}

void TstOutbox::commitWithAJobLinksModificationAndQueueRow()
{
    const auto job = db::JobRepository(m_db->connection())
                         .create(m_seeded.organizationId, model::JobTrigger::Manual,
                                 m_seeded.userId, m_seeded.userEmail);
    PFA_VERIFY_OK(job);
    const auto draft = m_db->saveValidDraft(m_seeded);
    PFA_VERIFY_OK(draft);
    const auto committed = repository().commit(draft->id, m_seeded.userEmail, {.jobId = job->id});
    PFA_VERIFY_OK(committed);
    QCOMPARE(committed->modification.jobId, std::optional(job->id));
    QCOMPARE(committed->queueItem.jobId, std::optional(job->id));
    QCOMPARE(repository().find(draft->id)->jobId, std::optional(job->id));
}

void TstOutbox::outerRollbackUndoesANestedCommit()
{
    EventListener listener(m_db->url());
    PFA_VERIFY_OK(listener.start());
    const auto draft = m_db->saveValidDraft(m_seeded);
    PFA_VERIFY_OK(draft);
    PFA_VERIFY_OK(listener.drain(m_db->connection()));
    listener.clear();

    {
        auto outer = db::Transaction::begin(m_db->connection());
        PFA_VERIFY_OK(outer);
        const auto committed = repository().commit(draft->id, m_seeded.userEmail);
        PFA_VERIFY_OK(committed);
        // Inside the caller's transaction the commit is complete ...
        QCOMPARE(footprint(draft->id), u"queued queue=1 audit=3"_s);
        outer->rollback();
    }
    // ... and the caller's rollback takes all of it back.
    QCOMPARE(footprint(draft->id), u"draft queue=0 audit=1"_s);
    QVERIFY(*repository().find(draft->id) == *draft);
    PFA_VERIFY_OK(listener.drain(m_db->connection()));
    QCOMPARE(listener.events().size(), size_t(0));
}

void TstOutbox::savepoints_data()
{
    QTest::addColumn<bool>("innerCommits");
    QTest::addColumn<bool>("outerCommits");
    QTest::addColumn<QString>("expected"); // organization count, modification footprint

    QTest::newRow("inner rolled back, outer committed")
        << false << true << u"orgs=2 draft queue=0 audit=1"_s;
    QTest::newRow("both committed") << true << true << u"orgs=2 queued queue=1 audit=3"_s;
    QTest::newRow("inner committed, outer rolled back")
        << true << false << u"orgs=1 draft queue=0 audit=1"_s;
    QTest::newRow("both rolled back") << false << false << u"orgs=1 draft queue=0 audit=1"_s;
}

void TstOutbox::savepoints()
{
    QFETCH(bool, innerCommits);
    QFETCH(bool, outerCommits);
    QFETCH(QString, expected);

    const auto draft = m_db->saveValidDraft(m_seeded);
    PFA_VERIFY_OK(draft);
    {
        auto outer = db::Transaction::begin(m_db->connection());
        PFA_VERIFY_OK(outer);
        // The outer work: another organization, itself a nested (audited) transaction.
        PFA_VERIFY_OK(db::OrganizationRepository(m_db->connection())
                          .create(u"OUTER"_s, u"Outer Works"_s, u"test"_s));
        {
            auto inner = db::Transaction::begin(m_db->connection());
            PFA_VERIFY_OK(inner);
            PFA_VERIFY_OK(repository().commit(draft->id, m_seeded.userEmail));
            if (innerCommits)
                PFA_VERIFY_OK(inner->commit());
            else
                inner->rollback();
        }
        // The outer transaction is still usable whatever the inner one did.
        QCOMPARE(count(u"SELECT count(*) FROM organization WHERE code = 'OUTER'"_s), 1);
        if (outerCommits)
            PFA_VERIFY_OK(outer->commit());
        else
            outer->rollback();
    }
    QCOMPARE(u"orgs=%1 "_s.arg(count(u"SELECT count(*) FROM organization"_s)) +
                 footprint(draft->id),
             expected);
}

void TstOutbox::failedCommitInsideABatchKeepsTheRestOfTheBatch()
{
    // "Sync selected" commits several drafts in one transaction; one bad item must not abort it.
    const auto first = m_db->saveValidDraft(m_seeded);
    PFA_VERIFY_OK(first);
    const auto record = m_db->addRecord(m_seeded, 10002);
    PFA_VERIFY_OK(record);
    const auto second = m_db->saveValidDraft(m_seeded, record->pfaId);
    PFA_VERIFY_OK(second);

    {
        auto batch = db::Transaction::begin(m_db->connection());
        PFA_VERIFY_OK(batch);
        const auto bad = repository().commit(first->id, m_seeded.userEmail, {.jobId = 987654});
        QVERIFY(!bad);
        const auto good = repository().commit(second->id, m_seeded.userEmail);
        PFA_VERIFY_OK(good);
        PFA_VERIFY_OK(batch->commit());
    }
    QCOMPARE(footprint(first->id), u"draft queue=0 audit=1"_s);
    QCOMPARE(footprint(second->id), u"queued queue=1 audit=3"_s);
    QCOMPARE(count(u"SELECT count(*) FROM pfa_write_queue"_s), 1);
}

} // namespace pfa::test

QTEST_GUILESS_MAIN(pfa::test::TstOutbox)
#include "tst_outbox.moc"
