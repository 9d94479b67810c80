// The write path end to end: a committed modification goes through the worker to a real pems-sim,
// and the database tells the whole story (states, mirror, history, attempts, audit, events).
#include "WritePathTestCase.h"

#include "db/ConflictRepository.h"
#include "db/MirrorRepository.h"
#include "db/ModificationRepository.h"
#include "model/IsoDateTime.h"
#include "support/EventListener.h"

using namespace Qt::StringLiterals;
using pfa::model::PfaField;
using pfa::model::SyncStatus;

namespace pfa::test {

class TstWritePath : public WritePathTestCase
{
    Q_OBJECT

private:
    qint64 pemsVersion(int number) { return pemsRecord(number).value("version", qint64(0)); }

    std::string pemsField(int number, const char* field)
    {
        const auto record = pemsRecord(number);
        if (!record.contains("data") || !record["data"].contains(field))
            return {};
        const auto& value = record["data"][field];
        return value.is_string() ? value.get<std::string>() : value.dump();
    }

private Q_SLOTS:
    void cleanup() { tearDownWorld(); }

    // Flow 1 of spec/: edit → commit → synced, with every trace a user or auditor looks for.
    void committedChangeReachesPemsAndTheMirror()
    {
        SET_UP_WORLD();
        EventListener listener(world().db().url());
        PFA_VERIFY_OK(listener.start());
        QVERIFY(startWorker());

        const auto delta = laterForecastEnd(10001, 30);
        auto committed = world().commit(u"RIO"_s, 10001, delta);
        PFA_VERIFY_OK(committed);
        const qint64 id = committed->modification.id;
        QVERIFY(world().waitForStatus(id, SyncStatus::Synced));

        // PEMS has the change as version 2, written once.
        QCOMPARE(pemsVersion(10001), qint64(2));
        const QString expectedEnd =
            model::toIsoUtc(std::get<QDateTime>(delta.at(PfaField::ForecastEnd)));
        QCOMPARE(QString::fromStdString(pemsField(10001, "forecastEnd")), expectedEnd);
        auto stats = world().sim().stats();
        PFA_VERIFY_OK(stats);
        QCOMPARE((*stats)["writesApplied"].get<int>(), 1);

        // The modification knows the version it produced; the mirror moved with it.
        auto modification = db::ModificationRepository(world().db().connection()).find(id);
        PFA_VERIFY_OK(modification);
        QCOMPARE(modification->pemsVersion, std::optional<qint64>(2));
        QVERIFY(modification->syncedAt.has_value());
        QVERIFY(modification->jobId.has_value());
        auto mirror = db::MirrorRepository(world().db().connection())
                          .find(world().organizationId(u"RIO"_s), SyncFixture::pfaId(10001));
        PFA_VERIFY_OK(mirror);
        QVERIFY(mirror->has_value());
        QCOMPARE((*mirror)->version, qint64(2));
        QCOMPARE((*mirror)->data.at(PfaField::ForecastEnd), delta.at(PfaField::ForecastEnd));
        auto history = db::MirrorRepository(world().db().connection()).history((*mirror)->id);
        PFA_VERIFY_OK(history);
        QCOMPARE(history->size(), std::size_t(2));
        QCOMPARE(history->back().source, model::HistorySource::Write);
        QCOMPARE(history->back().changedFields, std::vector<PfaField>{PfaField::ForecastEnd});

        // One attempt, answered 200; the queue item is completed.
        QCOMPARE(*world().db().count(u"SELECT count(*) FROM pfa_sync_attempt WHERE http_status ="
                                     " 200 AND outcome = 'success'"_s),
                 qint64(1));
        QCOMPARE(world().db().value(u"SELECT status FROM pfa_write_queue"_s)->toString(),
                 u"completed"_s);

        // Every transition audited, in order.
        auto actions =
            world().db().value(u"SELECT string_agg(action, ',' ORDER BY id) FROM audit_log"
                               " WHERE entity = 'pfa_modification' AND entity_id = :id"_s,
                               {{"id"_L1, QString::number(id)}});
        QCOMPARE(actions->toString(),
                 u"modification.draft_saved,modification.committed,modification.queued,"
                 "modification.syncing,modification.synced"_s);

        // Listeners heard queued → started → success for it.
        PFA_VERIFY_OK(listener.drain(world().db().connection()));
        QStringList types;
        for (const auto& event : listener.events()) {
            if (event.modificationId == id)
                types << model::toWire(event.type);
        }
        QCOMPARE(types, (QStringList{u"SYNC_QUEUED"_s, u"SYNC_STARTED"_s, u"SYNC_SUCCESS"_s}));
    }

    void deleteRemovesTheRecordInPems()
    {
        SET_UP_WORLD();
        QVERIFY(startWorker());
        auto committed = world().commit(u"RIO"_s, 10002, {}, model::Operation::Delete);
        PFA_VERIFY_OK(committed);
        QVERIFY(world().waitForStatus(committed->modification.id, SyncStatus::Synced));
        const auto record = pemsRecord(10002);
        QCOMPARE(record["deleted"].get<bool>(), true);
        QCOMPARE(record["version"].get<qint64>(), qint64(2));
        QCOMPARE(world()
                     .db()
                     .value(u"SELECT deleted FROM pfa_mirror WHERE pfa_id = 'PFA-10002'"_s)
                     ->toBool(),
                 true);
    }

    // PEMS changed another field since the local base: the change goes on top, silently, and
    // the rebase is on record (resolved_auto).
    void disjointChangesRebaseAutomatically()
    {
        SET_UP_WORLD();
        PFA_VERIFY_OK(world().sim().editRecord(u"RIO"_s, SyncFixture::pfaId(10001),
                                               {{"description", "Edited in PEMS"}}));
        QVERIFY(startWorker());
        auto committed = world().commit(u"RIO"_s, 10001, laterForecastEnd(10001, 10));
        PFA_VERIFY_OK(committed);
        QVERIFY(world().waitForStatus(committed->modification.id, SyncStatus::Synced));

        QCOMPARE(pemsVersion(10001), qint64(3));
        QCOMPARE(pemsField(10001, "description"), std::string("Edited in PEMS"));
        QCOMPARE(*world().db().count(u"SELECT count(*) FROM pfa_sync_conflict"
                                     " WHERE status = 'resolved_auto'"_s),
                 qint64(1));
        QCOMPARE(*world().db().count(u"SELECT count(*) FROM audit_log"
                                     " WHERE action = 'modification.rebased'"_s),
                 qint64(1));
        // The mirror holds both changes at PEMS' version.
        QCOMPARE(world()
                     .db()
                     .value(u"SELECT data->>'description' FROM pfa_mirror"
                            " WHERE pfa_id = 'PFA-10001'"_s)
                     ->toString(),
                 u"Edited in PEMS"_s);
        QCOMPARE(*world().db().count(u"SELECT count(*) FROM pfa_sync_conflict"
                                     " WHERE status = 'unresolved'"_s),
                 qint64(0));
    }

    // Both sides set the same field to the same value: nothing to decide.
    void identicalOverlapRebases()
    {
        SET_UP_WORLD();
        PFA_VERIFY_OK(world().sim().editRecord(u"RIO"_s, SyncFixture::pfaId(10001),
                                               {{"description", "Same words"}}));
        QVERIFY(startWorker());
        auto committed =
            world().commit(u"RIO"_s, 10001, {{PfaField::Description, u"Same words"_s}});
        PFA_VERIFY_OK(committed);
        QVERIFY(world().waitForStatus(committed->modification.id, SyncStatus::Synced));
        QCOMPARE(*world().db().count(u"SELECT count(*) FROM pfa_sync_conflict"
                                     " WHERE status = 'resolved_auto'"_s),
                 qint64(1));
        QCOMPARE(pemsField(10001, "description"), std::string("Same words"));
    }

    // The detection half of flow 2: PEMS edited the same field first → a conflict record with
    // base, local and PEMS data; the modification waits in `conflict`, PEMS keeps its value.
    void overlappingChangeBecomesAConflict()
    {
        SET_UP_WORLD();
        const QString base =
            std::get<QString>(world().record(u"RIO"_s, 10001).at(PfaField::Description));
        PFA_VERIFY_OK(world().sim().editRecord(u"RIO"_s, SyncFixture::pfaId(10001),
                                               {{"description", "PEMS wording"}}));
        QVERIFY(startWorker());
        auto committed =
            world().commit(u"RIO"_s, 10001, {{PfaField::Description, u"Local wording"_s}});
        PFA_VERIFY_OK(committed);
        const qint64 id = committed->modification.id;
        QVERIFY(world().waitForStatus(id, SyncStatus::Conflict));

        auto conflicts = db::ConflictRepository(world().db().connection())
                             .unresolved(world().organizationId(u"RIO"_s));
        PFA_VERIFY_OK(conflicts);
        QCOMPARE(conflicts->size(), std::size_t(1));
        const model::Conflict& conflict = conflicts->front();
        QCOMPARE(conflict.modificationId, id);
        QCOMPARE(conflict.conflictFields, std::vector<PfaField>{PfaField::Description});
        QCOMPARE(conflict.localVersion, qint64(1));
        QCOMPARE(conflict.pemsVersion, qint64(2));
        QCOMPARE(std::get<QString>(conflict.baseData.at(PfaField::Description)), base);
        QCOMPARE(std::get<QString>(conflict.localData.at(PfaField::Description)),
                 u"Local wording"_s);
        QCOMPARE(std::get<QString>(conflict.pemsData.at(PfaField::Description)), u"PEMS wording"_s);
        QCOMPARE(pemsField(10001, "description"), std::string("PEMS wording"));

        // The queue item carries the class users see; no retry was spent on it.
        QCOMPARE(world().db().value(u"SELECT failure_class FROM pfa_write_queue"_s)->toString(),
                 u"conflict"_s);
        QCOMPARE(world().db().value(u"SELECT retry_count FROM pfa_write_queue"_s)->toInt(), 0);
        auto modification = db::ModificationRepository(world().db().connection()).find(id);
        QVERIFY(modification->syncError.contains(u"description"_s));
    }

    // Valid when committed, invalid on top of what PEMS holds now: permanent failure with the
    // rule named, nothing sent for it.
    void changeInvalidOnPemsVersionFailsWithTheRule()
    {
        SET_UP_WORLD();
        // PEMS moves forecastStart to the middle of the period; locally, the end moves to the
        // first quarter: valid against version 1, not against version 2.
        const auto& record = world().record(u"RIO"_s, 10001);
        const auto start = std::get<QDateTime>(record.at(PfaField::ForecastStart));
        const auto end = std::get<QDateTime>(record.at(PfaField::ForecastEnd));
        const qint64 span = start.secsTo(end);
        QVERIFY(span > 4 * 86400);
        PFA_VERIFY_OK(world().sim().editRecord(
            u"RIO"_s, SyncFixture::pfaId(10001),
            {{"forecastStart", model::toIsoUtc(start.addSecs(span / 2)).toStdString()}}));
        QVERIFY(startWorker());
        auto committed =
            world().commit(u"RIO"_s, 10001, {{PfaField::ForecastEnd, start.addSecs(span / 4)}});
        PFA_VERIFY_OK(committed);
        const qint64 id = committed->modification.id;
        QVERIFY(world().waitForStatus(id, SyncStatus::Failed));
        auto modification = db::ModificationRepository(world().db().connection()).find(id);
        QVERIFY2(modification->syncError.contains(u"forecastEnd"_s),
                 qPrintable(modification->syncError));
        QCOMPARE(world().db().value(u"SELECT failure_class FROM pfa_write_queue"_s)->toString(),
                 u"validation"_s);
        QCOMPARE(pemsVersion(10001), qint64(2)); // only PEMS' own edit
    }
};

} // namespace pfa::test

QTEST_GUILESS_MAIN(pfa::test::TstWritePath)
#include "tst_writepath.moc"
