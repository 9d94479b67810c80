// The read path end to end: ReadSync pages through a real pems-sim over HTTP into a real
// PostgreSQL mirror — history with the fields each version changed, a watermark and cursor that
// survive a run dying mid-way, tombstones, stale flags that the worker then rebases or turns into a
// conflict, and one run per organization at a time.
#include "WritePathTestCase.h"

#include "db/ConflictRepository.h"
#include "db/MirrorRepository.h"
#include "db/ReadSyncRepository.h"
#include "db/Sql.h"
#include "model/IsoDateTime.h"
#include "sync/ReadSync.h"

#include <QNetworkAccessManager>

using namespace Qt::StringLiterals;
using namespace std::chrono_literals;
using pfa::model::PfaField;
using pfa::model::SyncStatus;
using pfa::sync::ReadSync;
using pfa::sync::ReadSyncResult;

namespace pfa::test {

class TstReadSync : public WritePathTestCase
{
    Q_OBJECT

private:
    sync::ReadSyncConfig readConfig(int pageSize = 1000)
    {
        sync::ReadSyncConfig config;
        config.pems.baseUrl = world().sim().baseUrl();
        config.pems.apiKey = QString::fromLatin1(PemsSimProcess::defaultApiKey());
        config.pems.timeout = 5000ms;
        config.pageSize = pageSize;
        config.pageRetries = 0;
        config.retryDelay = 50ms;
        return config;
    }

    std::unique_ptr<ReadSync> makeReadSync(int pageSize = 1000)
    {
        return std::make_unique<ReadSync>(world().db().database(), &m_network,
                                          readConfig(pageSize));
    }

    // Runs one read sync of RIO and waits for its answer.
    Expected<ReadSyncResult> pull(ReadSync& readSync)
    {
        std::optional<Expected<ReadSyncResult>> answer;
        readSync.start(rio(), this, [&](Expected<ReadSyncResult> result) { answer = result; });
        if (!QTest::qWaitFor([&] { return answer.has_value(); }, 30000))
            return fail(ErrorCode::Io, u"the read sync did not finish"_s);
        return *answer;
    }

    qint64 rio() { return world().organizationId(u"RIO"_s); }

    model::MirrorRecord mirror(int number)
    {
        auto record =
            db::MirrorRepository(world().db().connection()).find(rio(), SyncFixture::pfaId(number));
        return record && *record ? **record : model::MirrorRecord{};
    }

    bool mirrorDeleted(int number)
    {
        auto value = world().db().value(
            u"SELECT deleted FROM pfa_mirror WHERE organization_id = :org AND pfa_id = :pfa"_s,
            {{"org"_L1, rio()}, {"pfa"_L1, SyncFixture::pfaId(number)}});
        return value && value->toBool();
    }

    // changed_fields of one history version, as wire names.
    QStringList changedFields(int number, qint64 version)
    {
        const auto record = mirror(number);
        auto history = db::MirrorRepository(world().db().connection()).history(record.id);
        if (!history)
            return {u"<error>"_s};
        for (const auto& entry : *history) {
            if (entry.version == version) {
                QStringList names;
                for (const auto field : entry.changedFields)
                    names << model::wireName(field);
                return names;
            }
        }
        return {u"<none>"_s};
    }

    // PEMS' record data, as our model reads it.
    model::FieldMap pemsData(int number)
    {
        const auto record = pemsRecord(number);
        auto data = model::fieldMapFromJson(record.value("data", nlohmann::json::object()));
        return data ? *data : model::FieldMap{};
    }

    qint64 pemsVersion(int number) { return pemsRecord(number).value("version", qint64(0)); }

    qint64 historyRows()
    {
        return *world().db().count(u"SELECT count(*) FROM pfa_mirror_history"_s);
    }

    QNetworkAccessManager m_network;

private Q_SLOTS:
    void cleanup() { tearDownWorld(); }

    // Several pages (page size 3 over 10 records): the records PEMS changed arrive with their
    // data and a history row naming exactly the fields that changed; the rest stay as they were.
    // A second run finds nothing new and writes nothing.
    void pullsChangedRecordsAcrossPages()
    {
        SET_UP_WORLD();
        PFA_VERIFY_OK(world().sim().editRecord(u"RIO"_s, SyncFixture::pfaId(10002),
                                               {{"description", "PEMS wording"}}));
        const auto end = laterForecastEnd(10004, 3).at(PfaField::ForecastEnd);
        PFA_VERIFY_OK(world().sim().editRecord(
            u"RIO"_s, SyncFixture::pfaId(10004),
            {{"forecastEnd", model::toIsoUtc(std::get<QDateTime>(end)).toStdString()},
             {"manufacturer", "Caterpillar PEMS"}}));
        PFA_VERIFY_OK(
            world().sim().editRecord(u"RIO"_s, SyncFixture::pfaId(10004), {{"model", "D9T"}}));
        const qint64 rowsBefore = historyRows();

        auto readSync = makeReadSync(3);
        QSignalSpy pages(readSync.get(), &ReadSync::pageStored);
        auto result = pull(*readSync);
        PFA_VERIFY_OK(result);
        QVERIFY(result->pages >= 4);
        QCOMPARE(pages.count(), result->pages);
        QCOMPARE(result->received, qint64(10));
        QCOMPARE(result->updated, qint64(2));
        QCOMPARE(result->inserted, qint64(0));
        QVERIFY(result->watermark.has_value());

        QCOMPARE(mirror(10002).version, qint64(2));
        QCOMPARE(mirror(10002).data, pemsData(10002));
        QCOMPARE(changedFields(10002, 2), QStringList{u"description"_s});
        // Two PEMS versions seen as one: the fields of both.
        QCOMPARE(mirror(10004).version, qint64(3));
        QCOMPARE(mirror(10004).data, pemsData(10004));
        QCOMPARE(changedFields(10004, 3),
                 (QStringList{u"forecastEnd"_s, u"manufacturer"_s, u"model"_s}));
        QCOMPARE(mirror(10001).version, qint64(1));
        QCOMPARE(historyRows(), rowsBefore + 2);

        auto again = pull(*readSync);
        PFA_VERIFY_OK(again);
        QCOMPARE(again->updated + again->inserted, qint64(0));
        QVERIFY(again->received <= 10); // only what sits at the watermark's instant is re-read
        QCOMPARE(historyRows(), rowsBefore + 2);
        QCOMPARE(*world().db().count(u"SELECT count(*) FROM audit_log"
                                     " WHERE action = 'read_sync.completed'"_s),
                 qint64(2));
    }

    // The connection drops halfway through a page's body: the run fails, the pages before it
    // stay stored with the cursor after them. The next run resumes there: every record arrives
    // once, none is lost, none stored twice.
    void resumesAfterAPageLostMidway()
    {
        SET_UP_WORLD({.recordsPerOrganization = 16});
        for (int number = 10001; number <= 10016; ++number)
            PFA_VERIFY_OK(world().sim().editRecord(u"RIO"_s, SyncFixture::pfaId(number),
                                                   {{"description", "changed in PEMS"}}));
        const qint64 rowsBefore = historyRows();

        // Every page takes 300 ms, so no answer arrives while the fault plan is being set; the
        // page already asked for when the first is stored (ReadSync asks for the next page while
        // it stores one) may still come through, the one after it is cut off halfway.
        const nlohmann::json slow = {{"latencyMs", 300}};
        PFA_VERIFY_OK(world().sim().setFaults({{"seed", 1}, {"routes", {{"LIST", slow}}}}));
        auto readSync = makeReadSync(2);
        connect(readSync.get(), &ReadSync::pageStored, this, [this, slow](qint64, int pages) {
            if (pages != 1)
                return;
            nlohmann::json dropping = slow;
            dropping["dropProbability"] = 1.0;
            QVERIFY(world().sim().setFaults({{"seed", 1}, {"routes", {{"LIST", dropping}}}}));
        });
        auto failed = pull(*readSync);
        QVERIFY(!failed);
        auto state = db::ReadSyncRepository(world().db().connection()).state(rio());
        PFA_VERIFY_OK(state);
        QVERIFY(!state->cursor.isEmpty());
        QVERIFY(!state->lastError.isEmpty());
        const qint64 stored = state->recordsPulled;
        QVERIFY2(stored == 2 || stored == 4, qPrintable(QString::number(stored)));
        QCOMPARE(historyRows(), rowsBefore + stored);

        readSync->disconnect(this);
        PFA_VERIFY_OK(world().sim().clearFaults());
        auto resumed = pull(*readSync);
        PFA_VERIFY_OK(resumed);
        QVERIFY(resumed->resumed);
        QCOMPARE(resumed->received, 16 - stored); // the rest, not the stored pages again
        QCOMPARE(resumed->updated, 16 - stored);
        QCOMPARE(historyRows(), rowsBefore + 16);
        for (int number = 10001; number <= 10016; ++number) {
            QCOMPARE(mirror(number).version, qint64(2));
            QCOMPARE(mirror(number).data, pemsData(number));
        }
        state = db::ReadSyncRepository(world().db().connection()).state(rio());
        PFA_VERIFY_OK(state);
        QVERIFY(state->cursor.isEmpty());
        QVERIFY(state->lastError.isEmpty());
        QCOMPARE(state->recordsPulled, qint64(16));
    }

    // A ReadSync destroyed mid-run (the process died): its session ends, the lock with it, and a
    // new one resumes after the last stored page.
    void resumesAfterACrash()
    {
        SET_UP_WORLD({.recordsPerOrganization = 12});
        for (int number = 10001; number <= 10012; ++number)
            PFA_VERIFY_OK(world().sim().editRecord(u"RIO"_s, SyncFixture::pfaId(number),
                                                   {{"model", "PEMS-9"}}));
        auto crashing = makeReadSync(5);
        bool answered = false;
        crashing->start(rio(), this, [&](Expected<ReadSyncResult>) { answered = true; });
        QSignalSpy pages(crashing.get(), &ReadSync::pageStored);
        QVERIFY(pages.wait(10000));
        crashing.reset();
        QVERIFY(!answered);

        auto readSync = makeReadSync(5);
        auto resumed = pull(*readSync);
        PFA_VERIFY_OK(resumed);
        QVERIFY(resumed->resumed);
        QVERIFY(resumed->received <= 7);
        for (int number = 10001; number <= 10012; ++number)
            QCOMPARE(mirror(number).version, qint64(2));
        QCOMPARE(*world().db().count(u"SELECT count(*) FROM pfa_mirror_history"
                                     " WHERE version = 2"_s),
                 qint64(12));
    }

    // Deleted in PEMS: a tombstone in the mirror that keeps the last values; revived in PEMS:
    // alive again with the new values.
    void deletionsBecomeTombstones()
    {
        SET_UP_WORLD();
        auto deleted = world().sim().deleteRecord(u"RIO"_s, SyncFixture::pfaId(10003));
        PFA_VERIFY_OK(deleted);
        PFA_VERIFY_OK(world().sim().deleteRecord(u"RIO"_s, SyncFixture::pfaId(10005)));
        const auto before = mirror(10003).data;

        auto readSync = makeReadSync(4);
        auto result = pull(*readSync);
        PFA_VERIFY_OK(result);
        QCOMPARE(result->tombstones, qint64(2));
        QVERIFY(mirrorDeleted(10003));
        QVERIFY(mirrorDeleted(10005));
        QVERIFY(!mirrorDeleted(10004));
        QCOMPARE(mirror(10003).version, *deleted);
        QCOMPARE(mirror(10003).data, before);
        QCOMPARE(changedFields(10003, *deleted), QStringList{});

        // A revived record starts again from its key in PEMS: it comes back whole.
        auto revived = model::fieldMapToJson(world().record(u"RIO"_s, 10003));
        revived["description"] = "back again";
        PFA_VERIFY_OK(world().sim().editRecord(u"RIO"_s, SyncFixture::pfaId(10003), revived));
        result = pull(*readSync);
        PFA_VERIFY_OK(result);
        QVERIFY(!mirrorDeleted(10003));
        QCOMPARE(mirror(10003).version, pemsVersion(10003));
        QCOMPARE(mirror(10003).data, pemsData(10003));
        QCOMPARE(changedFields(10003, pemsVersion(10003)), QStringList{u"description"_s});
    }

    // A queued change whose record PEMS changed is flagged stale by the pull at once (audited,
    // announced); the worker then rebases it (another field) or raises a conflict (the same
    // field with another value), deciding from the pulled history.
    void staleChangesAreFlaggedThenRebasedOrConflicted()
    {
        SET_UP_WORLD();
        auto rebased = world().commit(u"RIO"_s, 10001, laterForecastEnd(10001, 5));
        PFA_VERIFY_OK(rebased);
        auto conflicting = world().commit(u"RIO"_s, 10002, {{PfaField::Description, u"mine"_s}});
        PFA_VERIFY_OK(conflicting);
        PFA_VERIFY_OK(world().sim().editRecord(u"RIO"_s, SyncFixture::pfaId(10001),
                                               {{"description", "PEMS wording"}}));
        PFA_VERIFY_OK(world().sim().editRecord(u"RIO"_s, SyncFixture::pfaId(10002),
                                               {{"description", "theirs"}}));

        auto readSync = makeReadSync();
        auto result = pull(*readSync);
        PFA_VERIFY_OK(result);
        QCOMPARE(result->staleFlagged, qint64(2));
        auto stale = db::ReadSyncRepository(world().db().connection()).staleModifications(rio());
        PFA_VERIFY_OK(stale);
        QCOMPARE(stale->size(), std::size_t(2));
        QCOMPARE(stale->front().modificationId, rebased->modification.id);
        QCOMPARE(stale->front().baseVersion, qint64(1));
        QCOMPARE(stale->front().mirrorVersion, qint64(2));
        QCOMPARE(*world().db().count(u"SELECT count(*) FROM audit_log"
                                     " WHERE action = 'modification.stale'"_s),
                 qint64(2));

        QVERIFY(startWorker());
        QVERIFY(world().waitForStatus(rebased->modification.id, SyncStatus::Synced));
        QVERIFY(world().waitForStatus(conflicting->modification.id, SyncStatus::Conflict));
        QCOMPARE(pemsData(10001).at(PfaField::Description), model::FieldValue(u"PEMS wording"_s));
        QCOMPARE(pemsData(10001).at(PfaField::ForecastEnd),
                 laterForecastEnd(10001, 5).at(PfaField::ForecastEnd));
        auto open = db::ConflictRepository(world().db().connection()).unresolved(rio());
        PFA_VERIFY_OK(open);
        QCOMPARE(open->size(), std::size_t(1));
        QCOMPARE(open->front().conflictFields, std::vector<PfaField>{PfaField::Description});
        QCOMPARE(*world().db().count(u"SELECT count(*) FROM pfa_sync_conflict"
                                     " WHERE status = 'resolved_auto'"_s),
                 qint64(1));
        // Rebased onto the mirror's version: no longer stale.
        stale = db::ReadSyncRepository(world().db().connection()).staleModifications(rio());
        PFA_VERIFY_OK(stale);
        QCOMPARE(stale->size(), std::size_t(1));
        QCOMPARE(stale->front().modificationId, conflicting->modification.id);
    }

    // Two runs for one organization at once: the second is refused (Conflict) whether it comes
    // from the same ReadSync or another session; the first completes.
    void oneRunPerOrganization()
    {
        SET_UP_WORLD();
        auto first = makeReadSync(2);
        auto second = makeReadSync(2);
        std::optional<Expected<ReadSyncResult>> a, b, c;
        first->start(rio(), this, [&](Expected<ReadSyncResult> result) { a = result; });
        second->start(rio(), this, [&](Expected<ReadSyncResult> result) { b = result; });
        first->start(rio(), this, [&](Expected<ReadSyncResult> result) { c = result; });
        QVERIFY(!a && !b && !c); // never inside the call
        QTRY_VERIFY_WITH_TIMEOUT(a && b && c, 30000);
        PFA_VERIFY_OK(*a);
        QVERIFY(!*b);
        QCOMPARE(b->error().code, ErrorCode::Conflict);
        QVERIFY(!*c);
        QCOMPARE(c->error().code, ErrorCode::Conflict);
        // Once the first is done the lock is free again.
        auto later = pull(*second);
        PFA_VERIFY_OK(later);
    }
};

} // namespace pfa::test

QTEST_GUILESS_MAIN(pfa::test::TstReadSync)
#include "tst_readsync.moc"
