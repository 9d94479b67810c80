// Dead letters end to end: redrive re-reads the record from PEMS first (rebase, or a conflict
// when PEMS changed the same field), discard needs a reason and frees the record. Real worker,
// real PostgreSQL, real pems-sim.
#include "WritePathTestCase.h"

#include "db/ConflictRepository.h"
#include "db/ModificationRepository.h"
#include "db/UserRepository.h"
#include "model/IsoDateTime.h"
#include "sync/DeadLetterService.h"

using namespace Qt::StringLiterals;
using namespace std::chrono_literals;
using pfa::model::PfaField;
using pfa::model::SyncStatus;
using pfa::sync::DeadLetterService;

namespace pfa::test {

class TstDeadLetters : public WritePathTestCase
{
    Q_OBJECT

private:
    // PEMS answers 503 until the change of record 10001 is a dead letter; then PEMS is healthy.
    // Returns the modification id (0 when it did not get there).
    qint64 deadLetter()
    {
        if (!world().sim().setFaults({{"routes", {{"PUT", {{"error503", 1.0}}}}}}))
            return 0;
        auto config = world().workerConfig();
        config.retryDelay = 50ms;
        if (!startWorker(config))
            return 0;
        auto committed = world().commit(u"RIO"_s, 10001, laterForecastEnd(10001, 5));
        if (!committed || !world().waitForStatus(committed->modification.id, SyncStatus::Failed))
            return 0;
        if (!world().sim().clearFaults())
            return 0;
        return committed->modification.id;
    }

    std::vector<qint64> deadLetterIds()
    {
        auto letters = DeadLetterService(world().db().connection()).list({});
        std::vector<qint64> ids;
        if (letters)
            for (const auto& item : *letters)
                ids.push_back(item.id);
        return ids;
    }

    std::string pemsField(const char* field)
    {
        const auto record = pemsRecord(10001);
        if (!record.contains("data") || !record["data"].contains(field))
            return {};
        const auto& value = record["data"][field];
        return value.is_string() ? value.get<std::string>() : value.dump();
    }

    int pemsRequests(const char* kind)
    {
        auto stats = world().sim().stats();
        return stats ? (*stats)["requests"].value(kind, 0) : -1;
    }

private Q_SLOTS:
    void cleanup() { tearDownWorld(); }

    // PEMS changed another field meanwhile: the redrive re-reads it and the change goes out on
    // top of it; PEMS ends with both.
    void redriveRebasesOnWhatPemsHoldsNow()
    {
        SET_UP_WORLD();
        const qint64 id = deadLetter();
        QVERIFY(id != 0);
        const auto expectedEnd = laterForecastEnd(10001, 5).at(PfaField::ForecastEnd);
        PFA_VERIFY_OK(world().sim().editRecord(u"RIO"_s, SyncFixture::pfaId(10001),
                                               {{"description", "PEMS wording"}}));
        const auto ids = deadLetterIds();
        QCOMPARE(ids.size(), std::size_t(1));
        const int readsBefore = pemsRequests("GET 200");

        auto redriven = DeadLetterService(world().db().connection()).retry(ids, world().userId());
        PFA_VERIFY_OK(redriven);
        QCOMPARE(redriven->size(), std::size_t(1));
        QCOMPARE(redriven->front().retryCount, 0);
        QVERIFY(world().waitForStatus(id, SyncStatus::Synced));

        // Re-read first, never a blind resend: a stale PUT would have met a 409.
        QCOMPARE(pemsRequests("GET 200"), readsBefore + 1);
        QCOMPARE(pemsRequests("PUT 409"), 0);
        QCOMPARE(pemsField("description"), std::string("PEMS wording"));
        QCOMPARE(QString::fromStdString(pemsField("forecastEnd")),
                 model::toIsoUtc(std::get<QDateTime>(expectedEnd)));
        QCOMPARE(*world().db().count(u"SELECT count(*) FROM pfa_sync_conflict"
                                     " WHERE status = 'resolved_auto'"_s),
                 qint64(1));
        QCOMPARE(*world().db().count(u"SELECT count(*) FROM audit_log WHERE action ="
                                     " 'modification.queued' AND details ->> 'redrive' = 'true'"_s),
                 qint64(1));
    }

    // PEMS changed the same field meanwhile: the redrive becomes a conflict, nothing is sent.
    void redriveOfAFieldPemsChangedBecomesAConflict()
    {
        SET_UP_WORLD();
        const qint64 id = deadLetter();
        QVERIFY(id != 0);
        const auto pemsEnd = laterForecastEnd(10001, 9).at(PfaField::ForecastEnd);
        PFA_VERIFY_OK(world().sim().editRecord(
            u"RIO"_s, SyncFixture::pfaId(10001),
            {{"forecastEnd", model::toIsoUtc(std::get<QDateTime>(pemsEnd)).toStdString()}}));
        auto stats = world().sim().stats();
        PFA_VERIFY_OK(stats);
        const int writesBefore = (*stats)["writesApplied"].get<int>();

        PFA_VERIFY_OK(DeadLetterService(world().db().connection())
                          .retryMatching({.organizationId = world().organizationId(u"RIO"_s)},
                                         world().userId()));
        QVERIFY(world().waitForStatus(id, SyncStatus::Conflict));
        auto open = db::ConflictRepository(world().db().connection())
                        .unresolved(world().organizationId(u"RIO"_s));
        PFA_VERIFY_OK(open);
        QCOMPARE(open->size(), std::size_t(1));
        QCOMPARE(open->front().conflictFields, std::vector<PfaField>{PfaField::ForecastEnd});
        stats = world().sim().stats();
        PFA_VERIFY_OK(stats);
        QCOMPARE((*stats)["writesApplied"].get<int>(), writesBefore);
        QCOMPARE(pemsRequests("PUT 409"), 0); // decided on the re-read record, not by PEMS
        QVERIFY(deadLetterIds().empty());     // a conflict now, not a dead letter
    }

    // Discarding needs a reason and perm_sync; then the record's later changes flow again.
    void discardNeedsAReasonAndFreesTheRecord()
    {
        SET_UP_WORLD();
        const qint64 id = deadLetter();
        QVERIFY(id != 0);
        const auto ids = deadLetterIds();
        QCOMPARE(ids.size(), std::size_t(1));
        // A later change of the same record waits behind the dead letter.
        auto later = world().commit(u"RIO"_s, 10001, {{PfaField::Description, u"Later"_s}});
        PFA_VERIFY_OK(later);

        DeadLetterService letters(world().db().connection());
        auto noReason = letters.discard(ids, u"  "_s, world().userId());
        QVERIFY(!noReason);
        QCOMPARE(noReason.error().field, u"reason"_s);

        db::UserRepository users(world().db().connection());
        auto viewer = users.create({u"viewer@example.com"_s, u"Val Viewer"_s, false}, u"test"_s);
        PFA_VERIFY_OK(viewer);
        PFA_VERIFY_OK(
            users.grant(viewer->id, {world().organizationId(u"RIO"_s), false, true}, u"test"_s));
        auto forbidden = letters.discard(ids, u"obsolete"_s, viewer->id);
        QVERIFY(!forbidden);
        QCOMPARE(forbidden.error().code, ErrorCode::Forbidden);
        QVERIFY(forbidden.error().message.contains(u"perm_sync"_s));
        QCOMPARE(db::ModificationRepository(world().db().connection()).find(id)->status,
                 SyncStatus::Failed);

        PFA_VERIFY_OK(letters.discard(ids, u"superseded by the later change"_s, world().userId()));
        auto discarded = db::ModificationRepository(world().db().connection()).find(id);
        PFA_VERIFY_OK(discarded);
        QCOMPARE(discarded->status, SyncStatus::Discarded);
        QVERIFY(discarded->syncError.contains(u"superseded by the later change"_s));
        QVERIFY(world().waitForStatus(later->modification.id, SyncStatus::Synced));
        QCOMPARE(pemsField("description"), std::string("Later"));
        QVERIFY(deadLetterIds().empty());
    }
};

} // namespace pfa::test

QTEST_GUILESS_MAIN(pfa::test::TstDeadLetters)
#include "tst_deadletters.moc"
