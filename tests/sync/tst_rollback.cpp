// Rollback end to end: a record back to an older version and everything one sync job applied,
// previewed, queued at high priority, sent by the real worker to a real pems-sim, which then
// holds the old values again. Real PostgreSQL, real HTTP.
#include "WritePathTestCase.h"

#include "db/JobRepository.h"
#include "db/MirrorRepository.h"
#include "db/ModificationRepository.h"
#include "db/UserRepository.h"
#include "support/EventListener.h"
#include "sync/RollbackService.h"

using namespace Qt::StringLiterals;
using pfa::model::PfaField;
using pfa::model::SyncStatus;
using pfa::sync::RollbackService;

namespace pfa::test {

class TstRollback : public WritePathTestCase
{
    Q_OBJECT

private:
    qint64 admin(const QString& email = u"admin@example.com"_s)
    {
        auto user = db::UserRepository(world().db().connection())
                        .create({email, u"Ada Admin"_s, true}, u"test"_s);
        return user ? user->id : 0;
    }

    qint64 rio() { return world().organizationId(u"RIO"_s); }

    // PEMS' value of a field as JSON as JSON text (strings, money and dates all travel as strings).
    std::string pemsValue(int number, PfaField field)
    {
        const auto record = pemsRecord(number);
        const std::string name = model::wireName(field).toStdString();
        if (!record.contains("data") || !record["data"].contains(name))
            return "<missing>";
        return record["data"][name].dump();
    }

    std::string seeded(int number, PfaField field)
    {
        return model::fieldValueToJson(model::valueOf(world().record(u"RIO"_s, number), field))
            .dump();
    }

    std::optional<model::MirrorRecord> mirror(int number)
    {
        auto found =
            db::MirrorRepository(world().db().connection()).find(rio(), SyncFixture::pfaId(number));
        return found ? *found : std::nullopt;
    }

    qint64 rollbacks()
    {
        auto count = world().db().count(
            u"SELECT count(*) FROM pfa_modification WHERE rollback_of_version IS NOT NULL"_s);
        return count ? *count : -1;
    }

    // A change committed into `jobId` (as "sync now" would group it).
    Expected<db::Committed> commitInJob(int number, const model::FieldMap& delta, qint64 jobId)
    {
        db::ModificationRepository modifications(world().db().connection());
        auto draft = modifications.saveDraft({.organizationId = rio(),
                                              .pfaId = SyncFixture::pfaId(number),
                                              .userId = world().userId(),
                                              .delta = delta,
                                              .changeReason = u"job change"_s},
                                             u"test"_s);
        if (!draft)
            return std::unexpected(draft.error());
        return modifications.commit(draft->id, u"test"_s, {.jobId = jobId});
    }

    // Two synced changes of PFA-10001: the mirror (and PEMS) at version 3.
    bool changeTwice()
    {
        auto first = world().commit(u"RIO"_s, 10001, {{PfaField::Description, u"First"_s}});
        if (!first || !world().waitForStatus(first->modification.id, SyncStatus::Synced))
            return false;
        model::FieldMap second = laterForecastEnd(10001, 5);
        second[PfaField::Description] = u"Second"_s;
        auto next = world().commit(u"RIO"_s, 10001, second);
        return next && world().waitForStatus(next->modification.id, SyncStatus::Synced);
    }

private Q_SLOTS:
    void cleanup() { tearDownWorld(); }

    // Two synced changes, then back to version 1: the preview lists both fields, the rollback
    // goes out at high priority and PEMS holds the seeded values again; the mirror's newest
    // version is recorded as a rollback.
    void recordBackToAnOlderVersion()
    {
        SET_UP_WORLD();
        QVERIFY(startWorker());
        QVERIFY(changeTwice());
        const qint64 adminId = admin();
        QVERIFY(adminId != 0);
        RollbackService service(world().db().connection());

        auto preview = service.previewRecord(rio(), SyncFixture::pfaId(10001), 1, adminId);
        PFA_VERIFY_OK(preview);
        QCOMPARE(preview->fromVersion, qint64(3));
        QCOMPARE(preview->toVersion, qint64(1));
        QCOMPARE(preview->changes.size(), std::size_t(2));
        QCOMPARE(preview->changes[0].field, PfaField::ForecastEnd);
        QCOMPARE(preview->changes[1].field, PfaField::Description);
        QCOMPARE(std::get<QString>(preview->changes[1].before), u"Second"_s);

        EventListener listener(world().db().url());
        PFA_VERIFY_OK(listener.start());
        auto applied = service.rollbackRecord({.organizationId = rio(),
                                               .pfaId = SyncFixture::pfaId(10001),
                                               .toVersion = 1,
                                               .reason = u"the edits were a mistake"_s,
                                               .expectedFromVersion = preview->fromVersion},
                                              adminId);
        PFA_VERIFY_OK(applied);
        QCOMPARE(applied->records.size(), std::size_t(1));
        const sync::QueuedRollback& queued = applied->records.front();
        QCOMPARE(queued.plan, *preview);
        QCOMPARE(queued.modification.rollbackOfVersion, std::optional<qint64>(1));
        QCOMPARE(queued.modification.baseVersion, qint64(3));
        QCOMPARE(queued.modification.status, SyncStatus::Queued);
        QCOMPARE(queued.modification.jobId, std::optional<qint64>(applied->job.id));
        QVERIFY(queued.queueItem.priority > 0);
        QCOMPARE(applied->job.trigger, model::JobTrigger::Rollback);

        QVERIFY(world().waitForStatus(queued.modification.id, SyncStatus::Synced));
        QCOMPARE(pemsValue(10001, PfaField::Description), seeded(10001, PfaField::Description));
        QCOMPARE(pemsValue(10001, PfaField::ForecastEnd), seeded(10001, PfaField::ForecastEnd));
        QCOMPARE(pemsRecord(10001).value("version", qint64(0)), qint64(4));

        const auto mirrored = mirror(10001);
        QVERIFY(mirrored.has_value());
        QCOMPARE(mirrored->version, qint64(4));
        auto history = db::MirrorRepository(world().db().connection()).history(mirrored->id);
        PFA_VERIFY_OK(history);
        QCOMPARE(history->back().version, qint64(4));
        QCOMPARE(history->back().source, model::HistorySource::Rollback);
        QCOMPARE(history->back().data, history->front().data);

        QCOMPARE(
            *world().db().count(u"SELECT count(*) FROM audit_log WHERE action = 'rollback.queued'"
                                " AND entity_id = :id"_s,
                                {{"id"_L1, QString::number(queued.modification.id)}}),
            qint64(1));
        PFA_VERIFY_OK(listener.drain(world().db().connection()));
        const auto events = listener.events();
        QVERIFY(std::ranges::any_of(events, [&](const model::SyncEvent& event) {
            return event.type == model::EventType::RollbackQueued &&
                   event.modificationId == queued.modification.id;
        }));
    }

    // Three records changed in one job, one of them edited again afterwards on another field:
    // the job's rollback restores the job's field on all three (the later edit stays), in one
    // rollback job, exactly as previewed.
    void wholeJobBack()
    {
        SET_UP_WORLD();
        QVERIFY(startWorker());
        const qint64 adminId = admin();
        QVERIFY(adminId != 0);
        auto job = db::JobRepository(world().db().connection())
                       .create(rio(), model::JobTrigger::Manual, world().userId(), u"test"_s);
        PFA_VERIFY_OK(job);
        std::vector<qint64> changed;
        for (const int number : {10001, 10002, 10003}) {
            auto committed = commitInJob(number, laterForecastEnd(number, 7), job->id);
            PFA_VERIFY_OK(committed);
            changed.push_back(committed->modification.id);
        }
        for (const qint64 id : changed)
            QVERIFY(world().waitForStatus(id, SyncStatus::Synced));
        auto later = world().commit(u"RIO"_s, 10003, {{PfaField::Model, u"Later model"_s}});
        PFA_VERIFY_OK(later);
        QVERIFY(world().waitForStatus(later->modification.id, SyncStatus::Synced));

        RollbackService service(world().db().connection());
        auto preview = service.previewJob(job->id, adminId);
        PFA_VERIFY_OK(preview);
        QCOMPARE(preview->size(), std::size_t(3));
        for (std::size_t i = 0; i < preview->size(); ++i) {
            const model::RollbackPlan& plan = (*preview)[i];
            QCOMPARE(plan.pfaId, SyncFixture::pfaId(10001 + int(i)));
            QCOMPARE(plan.toVersion, qint64(1));
            QCOMPARE(plan.changes.size(), std::size_t(1));
            QCOMPARE(plan.changes.front().field, PfaField::ForecastEnd);
            QCOMPARE(plan.changedSinceJob, i == 2);
        }

        auto applied =
            service.rollbackJob(job->id, u"the job used the wrong calendar"_s, adminId, *preview);
        PFA_VERIFY_OK(applied);
        QCOMPARE(applied->job.trigger, model::JobTrigger::Rollback);
        std::vector<model::RollbackPlan> appliedPlans;
        for (const auto& record : applied->records)
            appliedPlans.push_back(record.plan);
        QCOMPARE(appliedPlans, *preview);
        QCOMPARE(*world().db().count(u"SELECT count(*) FROM pfa_modification WHERE job_id = :job"
                                     " AND rollback_of_version IS NOT NULL"_s,
                                     {{"job"_L1, applied->job.id}}),
                 qint64(3));

        for (const auto& record : applied->records)
            QVERIFY(world().waitForStatus(record.modification.id, SyncStatus::Synced));
        for (const int number : {10001, 10002, 10003})
            QCOMPARE(pemsValue(number, PfaField::ForecastEnd),
                     seeded(number, PfaField::ForecastEnd));
        QCOMPARE(pemsValue(10003, PfaField::Model), std::string("\"Later model\""));
        QCOMPARE(*world().db().count(u"SELECT count(*) FROM audit_log"
                                     " WHERE action = 'sync_job.rolled_back' AND entity_id = :id"_s,
                                     {{"id"_L1, QString::number(job->id)}}),
                 qint64(1));

        // Done: the job's records hold their pre-job values, so there is nothing left to undo.
        auto again = service.rollbackJob(job->id, u"twice"_s, adminId);
        QVERIFY(!again);
        QCOMPARE(again.error().code, ErrorCode::InvalidInput);
    }

    // Admin only (and active), a reason, a version from the history other than the current one,
    // a preview that is still current: each refusal names the problem and queues nothing.
    void refusals()
    {
        SET_UP_WORLD();
        QVERIFY(startWorker());
        QVERIFY(changeTwice());
        const qint64 adminId = admin();
        QVERIFY(adminId != 0);
        RollbackService service(world().db().connection());
        auto request = [](qint64 toVersion, const QString& reason) {
            return sync::RecordRollback{.organizationId = 0,
                                        .pfaId = SyncFixture::pfaId(10001),
                                        .toVersion = toVersion,
                                        .reason = reason};
        };
        auto withOrg = [&](sync::RecordRollback r) {
            r.organizationId = rio();
            return r;
        };

        // The planner has every permission in RIO, but is no administrator.
        auto planner = service.rollbackRecord(withOrg(request(1, u"why"_s)), world().userId());
        QVERIFY(!planner);
        QCOMPARE(planner.error().code, ErrorCode::Forbidden);
        QVERIFY(planner.error().message.contains(u"is_admin"_s));
        QCOMPARE(service.previewRecord(rio(), SyncFixture::pfaId(10001), 1, world().userId())
                     .error()
                     .code,
                 ErrorCode::Forbidden);

        auto noReason = service.rollbackRecord(withOrg(request(1, u"  "_s)), adminId);
        QVERIFY(!noReason);
        QCOMPARE(noReason.error().code, ErrorCode::InvalidInput);
        QCOMPARE(noReason.error().field, u"reason"_s);

        auto current = service.rollbackRecord(withOrg(request(3, u"why"_s)), adminId);
        QVERIFY(!current);
        QCOMPARE(current.error().field, u"toVersion"_s);
        QVERIFY(current.error().message.contains(u"nothing to roll back"_s));

        auto unknown = service.rollbackRecord(withOrg(request(99, u"why"_s)), adminId);
        QVERIFY(!unknown);
        QCOMPARE(unknown.error().code, ErrorCode::NotFound);
        QCOMPARE(unknown.error().field, u"toVersion"_s);

        auto stale = withOrg(request(1, u"why"_s));
        stale.expectedFromVersion = 2;
        auto moved = service.rollbackRecord(stale, adminId);
        QVERIFY(!moved);
        QCOMPARE(moved.error().code, ErrorCode::Conflict);

        const qint64 retired = admin(u"retired@example.com"_s);
        QVERIFY(retired != 0);
        PFA_VERIFY_OK(
            world().db().value(u"UPDATE app_user SET active = false WHERE id = :id RETURNING id"_s,
                               {{"id"_L1, retired}}));
        auto inactive = service.rollbackRecord(withOrg(request(1, u"why"_s)), retired);
        QVERIFY(!inactive);
        QCOMPARE(inactive.error().code, ErrorCode::Forbidden);

        QCOMPARE(rollbacks(), qint64(0));
        QCOMPARE(*world().db().count(u"SELECT count(*) FROM sync_job WHERE trigger = 'rollback'"_s),
                 qint64(0));
    }

    // A record deleted in PEMS is a tombstone in the mirror: there is nothing to send a
    // rollback to, so it is refused with that reason.
    void aDeletedRecordIsRefused()
    {
        SET_UP_WORLD();
        QVERIFY(startWorker());
        auto deleted = world().commit(u"RIO"_s, 10002, {}, model::Operation::Delete);
        PFA_VERIFY_OK(deleted);
        QVERIFY(world().waitForStatus(deleted->modification.id, SyncStatus::Synced));
        const qint64 adminId = admin();
        auto refused = RollbackService(world().db().connection())
                           .rollbackRecord({.organizationId = rio(),
                                            .pfaId = SyncFixture::pfaId(10002),
                                            .toVersion = 1,
                                            .reason = u"bring it back"_s},
                                           adminId);
        QVERIFY(!refused);
        QCOMPARE(refused.error().code, ErrorCode::Conflict);
        QVERIFY(refused.error().message.contains(u"deleted"_s));
        QCOMPARE(rollbacks(), qint64(0));
    }
};

} // namespace pfa::test

QTEST_GUILESS_MAIN(pfa::test::TstRollback)
#include "tst_rollback.moc"
