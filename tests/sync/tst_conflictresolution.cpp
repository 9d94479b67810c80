// Flow 2 of spec/ end to end: PEMS edits a record, the local change to the same field becomes a
// conflict, a user resolves it with each strategy, and the record ends synced with PEMS and the
// mirror equal. Real worker, real PostgreSQL, real pems-sim.
#include "WritePathTestCase.h"

#include "db/ConflictRepository.h"
#include "db/MirrorRepository.h"
#include "db/ModificationRepository.h"
#include "db/UserRepository.h"
#include "sync/ConflictResolver.h"

using namespace Qt::StringLiterals;
using pfa::model::PfaField;
using pfa::model::Resolution;
using pfa::model::SyncStatus;
using pfa::sync::ConflictResolver;
using pfa::sync::FieldChoice;

namespace pfa::test {

class TstConflictResolution : public WritePathTestCase
{
    Q_OBJECT

private:
    // PEMS rewords the description and moves forecastEnd; the local change rewords it too (and
    // changes the equipment's model, which PEMS left alone): one conflicting field.
    model::Conflict raiseConflict()
    {
        if (!world().sim().editRecord(u"RIO"_s, SyncFixture::pfaId(10001),
                                      {{"description", "PEMS wording"}}))
            return {};
        if (!startWorker())
            return {};
        auto committed = world().commit(
            u"RIO"_s, 10001,
            {{PfaField::Description, u"Local wording"_s}, {PfaField::Model, u"CAT 320 GC"_s}});
        if (!committed)
            return {};
        if (!world().waitForStatus(committed->modification.id, SyncStatus::Conflict))
            return {};
        auto open = db::ConflictRepository(world().db().connection())
                        .unresolved(world().organizationId(u"RIO"_s));
        return open && open->size() == 1 ? open->front() : model::Conflict{};
    }

    // PEMS edits record 10002 while the local side deletes it: deleting a record someone
    // changed meanwhile is a decision for a person.
    model::Conflict raiseDeleteConflict()
    {
        if (!world().sim().editRecord(u"RIO"_s, SyncFixture::pfaId(10002),
                                      {{"description", "PEMS wording"}}))
            return {};
        if (!startWorker())
            return {};
        auto committed = world().commit(u"RIO"_s, 10002, {}, model::Operation::Delete);
        if (!committed)
            return {};
        if (!world().waitForStatus(committed->modification.id, SyncStatus::Conflict))
            return {};
        auto open = db::ConflictRepository(world().db().connection())
                        .unresolved(world().organizationId(u"RIO"_s));
        return open && open->size() == 1 ? open->front() : model::Conflict{};
    }

    std::string pemsField(const char* field)
    {
        const auto record = pemsRecord(10001);
        if (!record.contains("data") || !record["data"].contains(field))
            return {};
        const auto& value = record["data"][field];
        return value.is_string() ? value.get<std::string>() : value.dump();
    }

    QString mirrorField(PfaField field)
    {
        auto mirrored = db::MirrorRepository(world().db().connection())
                            .find(world().organizationId(u"RIO"_s), SyncFixture::pfaId(10001));
        if (!mirrored || !*mirrored)
            return {};
        const auto found = (*mirrored)->data.find(field);
        return found == (*mirrored)->data.end() ? QString() : std::get<QString>(found->second);
    }

    // PEMS and the mirror hold the same version and the same description.
    void verifyPemsAndMirrorAgree()
    {
        auto mirrored = db::MirrorRepository(world().db().connection())
                            .find(world().organizationId(u"RIO"_s), SyncFixture::pfaId(10001));
        PFA_VERIFY_OK(mirrored);
        QVERIFY(mirrored->has_value());
        QCOMPARE((*mirrored)->version, pemsRecord(10001).value("version", qint64(0)));
        QCOMPARE(mirrorField(PfaField::Description).toStdString(), pemsField("description"));
        QCOMPARE(mirrorField(PfaField::Model).toStdString(), pemsField("model"));
    }

    qint64 otherUser(bool mayResolve)
    {
        db::UserRepository users(world().db().connection());
        auto user = users.create({u"viewer@example.com"_s, u"Val Viewer"_s, false}, u"test"_s);
        if (!user)
            return 0;
        if (!users.grant(user->id, {world().organizationId(u"RIO"_s), true, mayResolve}, u"test"_s))
            return 0;
        return user->id;
    }

private Q_SLOTS:
    void cleanup() { tearDownWorld(); }

    // Every test checks for id 0: raiseConflict() cannot use QVERIFY (it returns a value).

    // use_local: my wording goes out on top of PEMS' version; PEMS' other edits are kept.
    void useLocalSendsMyChangeOnTopOfPemsVersion()
    {
        SET_UP_WORLD();
        const model::Conflict conflict = raiseConflict();
        QVERIFY(conflict.id != 0);
        auto resolved = ConflictResolver(world().db().connection())
                            .resolve({.conflictId = conflict.id, .strategy = Resolution::UseLocal},
                                     world().userId());
        PFA_VERIFY_OK(resolved);
        QCOMPARE(resolved->conflict.status, model::ConflictStatus::ResolvedManual);
        QCOMPARE(resolved->conflict.resolvedBy, std::optional<qint64>(world().userId()));
        QCOMPARE(resolved->modification.baseVersion, conflict.pemsVersion);
        QVERIFY(world().waitForStatus(conflict.modificationId, SyncStatus::Synced));
        QCOMPARE(pemsField("description"), std::string("Local wording"));
        QCOMPARE(pemsField("model"), std::string("CAT 320 GC"));
        verifyPemsAndMirrorAgree();
        QCOMPARE(*world().db().count(u"SELECT count(*) FROM audit_log"
                                     " WHERE action = 'conflict.resolved'"_s),
                 qint64(1));
    }

    // use_local on a deletion keeps the deletion: it goes out on top of PEMS' version and the
    // record ends deleted in PEMS and in the mirror (it used to be resolved as an empty change
    // and silently dropped).
    void useLocalOnADeletionDeletesTheRecord()
    {
        SET_UP_WORLD();
        const model::Conflict conflict = raiseDeleteConflict();
        QVERIFY(conflict.id != 0);
        auto resolved = ConflictResolver(world().db().connection())
                            .resolve({.conflictId = conflict.id, .strategy = Resolution::UseLocal},
                                     world().userId());
        PFA_VERIFY_OK(resolved);
        QCOMPARE(resolved->modification.status, SyncStatus::Queued);
        QVERIFY(world().waitForStatus(conflict.modificationId, SyncStatus::Synced));
        QCOMPARE(pemsRecord(10002)["deleted"].get<bool>(), true);
        QCOMPARE(world()
                     .db()
                     .value(u"SELECT deleted FROM pfa_mirror WHERE pfa_id = 'PFA-10002'"_s)
                     ->toBool(),
                 true);
    }

    // A deletion has no fields to merge: refused, naming the strategy, and nothing changes.
    void mergeOnADeletionIsRefused()
    {
        SET_UP_WORLD();
        const model::Conflict conflict = raiseDeleteConflict();
        QVERIFY(conflict.id != 0);
        auto resolved = ConflictResolver(world().db().connection())
                            .resolve({.conflictId = conflict.id, .strategy = Resolution::Merge},
                                     world().userId());
        QVERIFY(!resolved);
        QCOMPARE(resolved.error().field, u"strategy"_s);
        QVERIFY(resolved.error().message.contains(u"deleting"_s));
        auto still = db::ConflictRepository(world().db().connection()).find(conflict.id);
        PFA_VERIFY_OK(still);
        QCOMPARE(still->status, model::ConflictStatus::Unresolved);
        QCOMPARE(pemsRecord(10002)["deleted"].get<bool>(), false);
    }

    // use_pems: my change is dropped (discarded, with the reason); PEMS keeps its wording and
    // nothing more is sent.
    void usePemsDiscardsMyChange()
    {
        SET_UP_WORLD();
        const model::Conflict conflict = raiseConflict();
        QVERIFY(conflict.id != 0);
        const qint64 versionBefore = pemsRecord(10001).value("version", qint64(0));
        auto resolved = ConflictResolver(world().db().connection())
                            .resolve({.conflictId = conflict.id, .strategy = Resolution::UsePems},
                                     world().userId());
        PFA_VERIFY_OK(resolved);
        QCOMPARE(resolved->modification.status, SyncStatus::Discarded);
        QVERIFY(resolved->modification.syncError.contains(u"PEMS' version kept"_s));
        QCOMPARE(pemsField("description"), std::string("PEMS wording"));
        QCOMPARE(pemsRecord(10001).value("version", qint64(0)), versionBefore);
        verifyPemsAndMirrorAgree();

        // The record is no longer held: a later change goes straight through.
        auto later = world().commit(u"RIO"_s, 10001, laterForecastEnd(10001, 3));
        PFA_VERIFY_OK(later);
        QVERIFY(world().waitForStatus(later->modification.id, SyncStatus::Synced));
        verifyPemsAndMirrorAgree();
    }

    // merge: per field; here an edited wording, and the model change kept as it was.
    void mergeSendsTheChosenValues()
    {
        SET_UP_WORLD();
        const model::Conflict conflict = raiseConflict();
        QVERIFY(conflict.id != 0);
        QCOMPARE(conflict.conflictFields, std::vector<PfaField>{PfaField::Description});
        auto resolved =
            ConflictResolver(world().db().connection())
                .resolve({.conflictId = conflict.id,
                          .strategy = Resolution::Merge,
                          .choices = {{PfaField::Description,
                                       {FieldChoice::Source::Edited, u"Agreed wording"_s}}}},
                         world().userId());
        PFA_VERIFY_OK(resolved);
        QVERIFY(resolved->conflict.mergedData.has_value());
        QCOMPARE(std::get<QString>(resolved->conflict.mergedData->at(PfaField::Description)),
                 u"Agreed wording"_s);
        QVERIFY(world().waitForStatus(conflict.modificationId, SyncStatus::Synced));
        QCOMPARE(pemsField("description"), std::string("Agreed wording"));
        QCOMPARE(pemsField("model"), std::string("CAT 320 GC"));
        verifyPemsAndMirrorAgree();
    }

    // An edited value that breaks a rule (a control character) is refused with the field named,
    // and nothing changes.
    void mergeWithAnInvalidValueIsRefused()
    {
        SET_UP_WORLD();
        const model::Conflict conflict = raiseConflict();
        QVERIFY(conflict.id != 0);
        auto refused = ConflictResolver(world().db().connection())
                           .resolve({.conflictId = conflict.id,
                                     .strategy = Resolution::Merge,
                                     .choices = {{PfaField::Description,
                                                  {FieldChoice::Source::Edited,
                                                   QString::fromUtf8("Bad\x01wording")}}}},
                                    world().userId());
        QVERIFY(!refused);
        QCOMPARE(refused.error().code, ErrorCode::Validation);
        QCOMPARE(refused.error().field, u"description"_s);
        auto still = db::ConflictRepository(world().db().connection()).find(conflict.id);
        PFA_VERIFY_OK(still);
        QCOMPARE(still->status, model::ConflictStatus::Unresolved);
        auto modification =
            db::ModificationRepository(world().db().connection()).find(conflict.modificationId);
        PFA_VERIFY_OK(modification);
        QCOMPARE(modification->status, SyncStatus::Conflict);
        QCOMPARE(std::get<QString>(modification->delta.at(PfaField::Description)),
                 u"Local wording"_s);

        // A merge must decide every conflicting field.
        auto undecided = ConflictResolver(world().db().connection())
                             .resolve({.conflictId = conflict.id, .strategy = Resolution::Merge},
                                      world().userId());
        QVERIFY(!undecided);
        QCOMPARE(undecided.error().field, u"description"_s);
    }

    // Only perm_resolve may decide; a resolved conflict cannot be resolved twice.
    void resolvingNeedsThePermissionAndHappensOnce()
    {
        SET_UP_WORLD();
        const model::Conflict conflict = raiseConflict();
        QVERIFY(conflict.id != 0);
        const qint64 viewer = otherUser(false);
        QVERIFY(viewer != 0);
        auto refused =
            ConflictResolver(world().db().connection())
                .resolve({.conflictId = conflict.id, .strategy = Resolution::UsePems}, viewer);
        QVERIFY(!refused);
        QCOMPARE(refused.error().code, ErrorCode::Forbidden);
        QVERIFY(refused.error().message.contains(u"perm_resolve"_s));

        PFA_VERIFY_OK(ConflictResolver(world().db().connection())
                          .resolve({.conflictId = conflict.id, .strategy = Resolution::UsePems},
                                   world().userId()));
        auto again = ConflictResolver(world().db().connection())
                         .resolve({.conflictId = conflict.id, .strategy = Resolution::UseLocal},
                                  world().userId());
        QVERIFY(!again);
        QCOMPARE(again.error().code, ErrorCode::Conflict);
    }

    // The record moved again in PEMS while the conflict waited: use_local is re-checked by the
    // worker against that newer version, and the same field edited again is a new conflict.
    void aRecordThatMovedAgainIsCheckedAgain()
    {
        SET_UP_WORLD();
        const model::Conflict conflict = raiseConflict();
        QVERIFY(conflict.id != 0);
        // PEMS edits the description again; the worker hears of it when it re-reads the record
        // after a 409, so the use_local request is refused by PEMS first.
        PFA_VERIFY_OK(world().sim().editRecord(u"RIO"_s, SyncFixture::pfaId(10001),
                                               {{"description", "PEMS wording, again"}}));
        auto resolved = ConflictResolver(world().db().connection())
                            .resolve({.conflictId = conflict.id, .strategy = Resolution::UseLocal},
                                     world().userId());
        PFA_VERIFY_OK(resolved);
        QVERIFY(world().waitForStatus(conflict.modificationId, SyncStatus::Conflict));
        auto open = db::ConflictRepository(world().db().connection())
                        .unresolved(world().organizationId(u"RIO"_s));
        PFA_VERIFY_OK(open);
        QCOMPARE(open->size(), std::size_t(1));
        QCOMPARE(open->front().pemsVersion, conflict.pemsVersion + 1);
        QCOMPARE(std::get<QString>(open->front().pemsData.at(PfaField::Description)),
                 u"PEMS wording, again"_s);
        QCOMPARE(pemsField("description"), std::string("PEMS wording, again"));
    }
};

} // namespace pfa::test

QTEST_GUILESS_MAIN(pfa::test::TstConflictResolution)
#include "tst_conflictresolution.moc"
