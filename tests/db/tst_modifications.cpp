#include "db/AuditRepository.h"
#include "db/MirrorRepository.h"
#include "db/ModificationRepository.h"
#include "db/QueueRepository.h"
#include "db/Transaction.h"
#include "support/EventListener.h"
#include "support/TestDatabase.h"
#include "support/Verify.h"

#include <QTest>
#include <QUuid>

using namespace Qt::StringLiterals;
using pfa::model::FieldMap;
using pfa::model::PfaField;
using pfa::model::SyncStatus;

Q_DECLARE_METATYPE(pfa::model::FieldMap)

namespace pfa::test {

namespace {

const QString Operator = u"ops@acme.example"_s;
const QString FailureText = u"PEMS answered 422: forecastEnd is locked for this period"_s;

QString dump(const nlohmann::json& json)
{
    return QString::fromStdString(json.dump());
}

// "SYNC_QUEUED queued m=12 q=7" per event: what a listening console would show.
QStringList describe(const std::vector<model::SyncEvent>& events)
{
    QStringList lines;
    for (const model::SyncEvent& event : events) {
        QString line = model::toWire(event.type) + u' ' + event.status;
        if (event.modificationId)
            line += u" m=%1"_s.arg(*event.modificationId);
        if (event.queueId)
            line += u" q=%1"_s.arg(*event.queueId);
        lines << line;
    }
    return lines;
}

// The change a transition into `to` records, as the worker would pass it.
db::TransitionChange changeFor(SyncStatus to)
{
    db::TransitionChange change;
    if (to == SyncStatus::Synced) {
        change.pemsVersion = 2;
        change.markSynced = true;
    } else if (to == SyncStatus::Failed) {
        change.syncError = FailureText;
    }
    return change;
}

} // namespace

class TstModifications final : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void init();
    void cleanup();

    void saveAndUpdateDraft();
    void draftWithoutAReasonIsSaved();
    void committedIsReachedOnlyThroughCommit();
    void commitMovesADraftThroughCommittedToQueued();
    void commitQueuesThePemsPayloadWithAnIdempotencyKey();
    void allowedTransition_data();
    void allowedTransition();
    void everyForbiddenTransitionIsRefused();
    void discardNeedsAReason_data();
    void discardNeedsAReason();
    void invalidDeltaIsNotCommitted_data();
    void invalidDeltaIsNotCommitted();
    void commitAnnouncesSyncQueuedToOtherSessions();
    void rolledBackCommitAnnouncesNothing();

private:
    // A fresh modification of the seeded record, taken through the repository to `state`.
    Expected<model::Modification> reach(SyncStatus state);
    Expected<qint64> auditCount(qint64 modificationId);
    Expected<std::vector<model::AuditEntry>> audit(qint64 modificationId); // oldest first
    db::ModificationRepository repository()
    {
        return db::ModificationRepository(m_db->connection());
    }

    std::unique_ptr<TestDatabase> m_db;
    SeededRecord m_seeded;
};

void TstModifications::init()
{
    auto created = TestDatabase::create();
    PFA_VERIFY_OK(created);
    m_db = std::move(*created);
    auto seeded = m_db->seedOrganizationWithRecord();
    PFA_VERIFY_OK(seeded);
    m_seeded = *seeded;
}

void TstModifications::cleanup()
{
    m_db.reset();
}

Expected<model::Modification> TstModifications::reach(SyncStatus state)
{
    auto draft = m_db->saveValidDraft(m_seeded);
    if (!draft || state == SyncStatus::Draft)
        return draft;
    if (state == SyncStatus::Discarded)
        return repository().discard(draft->id, u"Planner withdrew the change"_s, Operator);
    auto committed = repository().commit(draft->id, m_seeded.userEmail);
    if (!committed)
        return std::unexpected(committed.error());
    if (state == SyncStatus::Queued)
        return committed->modification;
    auto syncing = repository().transition(draft->id, SyncStatus::Syncing, u"worker-1"_s);
    if (!syncing || state == SyncStatus::Syncing)
        return syncing;
    return repository().transition(draft->id, state, u"worker-1"_s, changeFor(state));
}

Expected<std::vector<model::AuditEntry>> TstModifications::audit(qint64 modificationId)
{
    auto entries = db::AuditRepository(m_db->connection())
                       .list({.entity = u"pfa_modification"_s,
                              .entityId = QString::number(modificationId),
                              .limit = 1000});
    if (entries)
        std::ranges::reverse(*entries);
    return entries;
}

Expected<qint64> TstModifications::auditCount(qint64 modificationId)
{
    return m_db->count(u"SELECT count(*) FROM audit_log WHERE entity = 'pfa_modification'"
                       " AND entity_id = :id"_s,
                       {{"id"_L1, QString::number(modificationId)}});
}

void TstModifications::draftWithoutAReasonIsSaved()
{
    // A reason is optional for a draft: an unset QString must not arrive as NULL.
    const auto forecastEnd = std::get<QDateTime>(m_seeded.data.at(PfaField::ForecastEnd));
    db::NewDraft draft;
    draft.organizationId = m_seeded.organizationId;
    draft.pfaId = m_seeded.pfaId;
    draft.userId = m_seeded.userId;
    draft.delta = {{PfaField::ForecastEnd, forecastEnd.addDays(1)}};
    const auto saved = repository().saveDraft(draft, m_seeded.userEmail);
    PFA_VERIFY_OK(saved);
    QCOMPARE(saved->changeReason, QString());
    PFA_VERIFY_OK(repository().commit(saved->id, m_seeded.userEmail));
}

void TstModifications::committedIsReachedOnlyThroughCommit()
{
    const auto draft = m_db->saveValidDraft(m_seeded);
    PFA_VERIFY_OK(draft);
    const auto moved = repository().transition(draft->id, SyncStatus::Committed, Operator);
    QVERIFY(!moved);
    QCOMPARE(moved.error().code, ErrorCode::Conflict);
    QVERIFY2(moved.error().message.contains(u"commit()"_s), qPrintable(moved.error().message));
    const auto found = repository().find(draft->id);
    PFA_VERIFY_OK(found);
    QCOMPARE(found->status, SyncStatus::Draft);
    QCOMPARE(m_db->count(u"SELECT count(*) FROM pfa_write_queue"_s, {}).value_or(-1), 0);
}

void TstModifications::saveAndUpdateDraft()
{
    const auto forecastEnd = std::get<QDateTime>(m_seeded.data.at(PfaField::ForecastEnd));
    const FieldMap delta{{PfaField::ForecastEnd, forecastEnd.addDays(3)}};
    const auto saved = repository().saveDraft({.organizationId = m_seeded.organizationId,
                                               .pfaId = m_seeded.pfaId,
                                               .userId = m_seeded.userId,
                                               .delta = delta,
                                               .changeReason = u"Rain"_s},
                                              m_seeded.userEmail);
    PFA_VERIFY_OK(saved);
    QCOMPARE(saved->status, SyncStatus::Draft);
    QCOMPARE(saved->baseVersion, 1);
    QVERIFY(saved->delta == delta);

    const FieldMap newDelta{{PfaField::ForecastEnd, forecastEnd.addDays(10)},
                            {PfaField::Description, u"Crane, 3 more weeks on site"_s}};
    const auto updated =
        repository().updateDraft(saved->id, newDelta, u"Rain, then wind"_s, m_seeded.userEmail);
    PFA_VERIFY_OK(updated);
    const auto found = repository().find(saved->id);
    PFA_VERIFY_OK(found);
    QVERIFY(*found == *updated);
    QVERIFY(found->delta == newDelta);
    QCOMPARE(found->changeReason, u"Rain, then wind"_s);
    QCOMPARE(found->status, SyncStatus::Draft);

    const auto entries = audit(saved->id);
    PFA_VERIFY_OK(entries);
    QCOMPARE(entries->size(), size_t(2));
    QCOMPARE(entries->at(0).action, u"modification.draft_saved"_s);
    QCOMPARE(entries->at(1).action, u"modification.draft_updated"_s);
    QCOMPARE(entries->at(1).actor, m_seeded.userEmail);
    QCOMPARE(dump(entries->at(1).before), dump(model::toJson(*saved)));
    QCOMPARE(dump(entries->at(1).after), dump(model::toJson(*updated)));

    // Once committed, the draft is no longer editable.
    PFA_VERIFY_OK(repository().commit(saved->id, m_seeded.userEmail));
    const auto late = repository().updateDraft(saved->id, delta, u"too late"_s, m_seeded.userEmail);
    QVERIFY(!late);
    QCOMPARE(late.error().code, ErrorCode::Conflict);
    QVERIFY(repository().find(saved->id)->delta == newDelta);
}

void TstModifications::commitMovesADraftThroughCommittedToQueued()
{
    const auto draft = m_db->saveValidDraft(m_seeded);
    PFA_VERIFY_OK(draft);
    const auto committed = repository().commit(draft->id, Operator);
    PFA_VERIFY_OK(committed);
    QCOMPARE(committed->modification.status, SyncStatus::Queued);
    QCOMPARE(repository().find(draft->id)->status, SyncStatus::Queued);

    const auto entries = audit(draft->id);
    PFA_VERIFY_OK(entries);
    QStringList trail;
    for (const model::AuditEntry& entry : *entries)
        trail << u"%1 %2 %3 -> %4"_s.arg(entry.action, entry.actor, dump(entry.before),
                                         dump(entry.after.value("status", nlohmann::json())));
    QCOMPARE(trail.size(), 3);
    QCOMPARE(trail.at(1),
             u"modification.committed %1 {\"status\":\"draft\"} -> \"committed\""_s.arg(Operator));
    QCOMPARE(trail.at(2),
             u"modification.queued %1 {\"status\":\"committed\"} -> \"queued\""_s.arg(Operator));
    QCOMPARE(entries->at(2).details.value("queueId", qint64(0)), committed->queueItem.id);
    for (const model::AuditEntry& entry : *entries)
        QCOMPARE(entry.organizationId, std::optional(m_seeded.organizationId));
}

void TstModifications::commitQueuesThePemsPayloadWithAnIdempotencyKey()
{
    // PEMS has moved the record on since the first pull: the base version is the mirror's now.
    FieldMap data = m_seeded.data;
    data[PfaField::Description] = u"Moved to the north pit"_s;
    PFA_VERIFY_OK(db::MirrorRepository(m_db->connection())
                      .store({.organizationId = m_seeded.organizationId,
                              .pfaId = m_seeded.pfaId,
                              .version = 3,
                              .data = data,
                              .actor = u"pems"_s}));
    const auto forecastEnd = std::get<QDateTime>(data.at(PfaField::ForecastEnd));
    const FieldMap delta{{PfaField::ForecastEnd, forecastEnd.addDays(21)},
                         {PfaField::IsDiscontinued, true}};
    const auto draft = repository().saveDraft({.organizationId = m_seeded.organizationId,
                                               .pfaId = m_seeded.pfaId,
                                               .userId = m_seeded.userId,
                                               .delta = delta,
                                               .changeReason = u"Pit flooded; hire extended"_s},
                                              m_seeded.userEmail);
    PFA_VERIFY_OK(draft);
    QCOMPARE(draft->baseVersion, 3);

    const auto committed =
        repository().commit(draft->id, m_seeded.userEmail, {.priority = 5, .maxRetries = 4});
    PFA_VERIFY_OK(committed);
    const model::QueueItem& item = committed->queueItem;
    QCOMPARE(item.modificationId, draft->id);
    QCOMPARE(item.organizationId, m_seeded.organizationId);
    QCOMPARE(item.pfaId, m_seeded.pfaId);
    QCOMPARE(item.operation, model::Operation::Update);
    QCOMPARE(item.status, model::QueueStatus::Pending);
    QCOMPARE(item.priority, 5);
    QCOMPARE(item.maxRetries, 4);
    QCOMPARE(item.retryCount, 0);
    QVERIFY(item.lockedBy.isEmpty());
    QVERIFY(!item.lockedUntil);

    const nlohmann::json expected = {{"pfaId", "PFA-10001"},
                                     {"organizationCode", "ACME"},
                                     {"changes", model::fieldMapToJson(delta)},
                                     {"version", 3},
                                     {"modifiedBy", m_seeded.userEmail.toStdString()},
                                     {"changeReason", "Pit flooded; hire extended"}};
    QCOMPARE(dump(item.payload), dump(expected));

    const QUuid key = QUuid::fromString(item.idempotencyKey);
    QVERIFY2(!key.isNull(), qPrintable(item.idempotencyKey));
    QCOMPARE(key.toString(QUuid::WithoutBraces), item.idempotencyKey);

    // Exactly one queue row, and it is what commit() returned.
    QCOMPARE(m_db->count(u"SELECT count(*) FROM pfa_write_queue WHERE modification_id = :id"_s,
                         {{"id"_L1, draft->id}})
                 .value_or(-1),
             1);
    const auto stored = db::QueueRepository(m_db->connection()).find(item.id);
    PFA_VERIFY_OK(stored);
    QVERIFY(*stored == item);

    // Every item has a key of its own.
    auto second = m_db->addRecord(m_seeded, 10002);
    PFA_VERIFY_OK(second);
    const auto otherDraft = m_db->saveValidDraft(m_seeded, second->pfaId);
    PFA_VERIFY_OK(otherDraft);
    const auto other = repository().commit(otherDraft->id, m_seeded.userEmail);
    PFA_VERIFY_OK(other);
    QVERIFY(other->queueItem.idempotencyKey != item.idempotencyKey);
    QCOMPARE(other->queueItem.payload.value("version", 0), 1);
}

void TstModifications::allowedTransition_data()
{
    QTest::addColumn<QString>("from");
    QTest::addColumn<QString>("to");
    QTest::addColumn<QString>("event");

    QTest::newRow("draft -> discarded") << u"draft"_s << u"discarded"_s << u"SYNC_DISCARDED"_s;
    QTest::newRow("queued -> syncing") << u"queued"_s << u"syncing"_s << u"SYNC_STARTED"_s;
    QTest::newRow("queued -> discarded") << u"queued"_s << u"discarded"_s << u"SYNC_DISCARDED"_s;
    QTest::newRow("syncing -> synced") << u"syncing"_s << u"synced"_s << u"SYNC_SUCCESS"_s;
    QTest::newRow("syncing -> failed") << u"syncing"_s << u"failed"_s << u"SYNC_FAILED"_s;
    QTest::newRow("syncing -> conflict") << u"syncing"_s << u"conflict"_s << u"SYNC_CONFLICT"_s;
    QTest::newRow("syncing -> queued (retry)") << u"syncing"_s << u"queued"_s << u"SYNC_RETRY"_s;
    QTest::newRow("conflict -> queued (resolved)")
        << u"conflict"_s << u"queued"_s << u"CONFLICT_RESOLVED"_s;
    QTest::newRow("conflict -> discarded (use PEMS)")
        << u"conflict"_s << u"discarded"_s << u"CONFLICT_RESOLVED"_s;
    QTest::newRow("failed -> queued (manual retry)")
        << u"failed"_s << u"queued"_s << u"SYNC_QUEUED"_s;
    QTest::newRow("failed -> discarded (dead letter dropped)")
        << u"failed"_s << u"discarded"_s << u"SYNC_DISCARDED"_s;
}

void TstModifications::allowedTransition()
{
    QFETCH(QString, from);
    QFETCH(QString, to);
    QFETCH(QString, event);
    const SyncStatus fromStatus = *model::fromWire<SyncStatus>(from);
    const SyncStatus toStatus = *model::fromWire<SyncStatus>(to);
    QVERIFY(model::canTransition(fromStatus, toStatus));

    EventListener listener(m_db->url());
    PFA_VERIFY_OK(listener.start());
    const auto start = reach(fromStatus);
    PFA_VERIFY_OK(start);
    QCOMPARE(start->status, fromStatus);
    const auto auditBefore = auditCount(start->id);
    PFA_VERIFY_OK(auditBefore);
    PFA_VERIFY_OK(listener.drain(m_db->connection()));
    listener.clear();

    const QString reason = u"Superseded by PFA-10001 rev. B"_s;
    const auto moved =
        toStatus == SyncStatus::Discarded
            ? repository().discard(start->id, reason, Operator)
            : repository().transition(start->id, toStatus, Operator, changeFor(toStatus));
    PFA_VERIFY_OK(moved);
    QCOMPARE(moved->status, toStatus);
    const auto found = repository().find(start->id);
    PFA_VERIFY_OK(found);
    QVERIFY(*found == *moved);
    QVERIFY(found->updatedAt >= start->updatedAt);

    switch (toStatus) {
    case SyncStatus::Synced:
        QVERIFY(found->syncedAt.has_value());
        QCOMPARE(found->pemsVersion, std::optional<qint64>(2));
        break;
    case SyncStatus::Failed:
        QCOMPARE(found->syncError, FailureText);
        break;
    case SyncStatus::Discarded:
        QCOMPARE(found->syncError, u"discarded: "_s + reason);
        break;
    default:
        QVERIFY(!found->syncedAt);
    }

    // Exactly one audit row, naming the transition and who made it.
    QCOMPARE(auditCount(start->id).value_or(-1), *auditBefore + 1);
    const auto entries = audit(start->id);
    PFA_VERIFY_OK(entries);
    QVERIFY(!entries->empty());
    const model::AuditEntry& last = entries->back();
    QCOMPARE(last.action, u"modification."_s + to);
    QCOMPARE(last.actor, Operator);
    QCOMPARE(last.organizationId, std::optional(m_seeded.organizationId));
    QCOMPARE(dump(last.before), dump({{"status", from.toStdString()}}));
    QCOMPARE(dump(last.after.value("status", nlohmann::json())), dump(to.toStdString()));
    if (toStatus == SyncStatus::Discarded)
        QCOMPARE(dump(last.details), dump({{"reason", reason.toStdString()}}));

    // And exactly one event, which another session hears once the transaction commits.
    PFA_VERIFY_OK(listener.drain(m_db->connection()));
    QCOMPARE(describe(listener.events()),
             QStringList{u"%1 %2 m=%3"_s.arg(event, to).arg(start->id)});
    QCOMPARE(listener.events().front().pfaId, m_seeded.pfaId);
    QCOMPARE(listener.events().front().organizationId, m_seeded.organizationId);
}

void TstModifications::everyForbiddenTransitionIsRefused()
{
    EventListener listener(m_db->url());
    PFA_VERIFY_OK(listener.start());
    int refused = 0;
    for (const auto& [from, fromName] : model::WireNames<SyncStatus>::table) {
        if (from == SyncStatus::Committed)
            continue; // commit() never leaves a modification there: it moves on to queued
        auto start = reach(from);
        PFA_VERIFY_OK(start);
        const auto auditBefore = auditCount(start->id);
        PFA_VERIFY_OK(auditBefore);
        PFA_VERIFY_OK(listener.drain(m_db->connection()));
        listener.clear();

        for (const auto& [to, toName] : model::WireNames<SyncStatus>::table) {
            if (model::canTransition(from, to))
                continue;
            const QString edge = u"%1 -> %2"_s.arg(model::toWire(from), model::toWire(to));
            const auto moved = repository().transition(start->id, to, Operator, changeFor(to));
            QVERIFY2(!moved, qPrintable(edge));
            QVERIFY2(moved.error().code == ErrorCode::Conflict, qPrintable(edge));
            QVERIFY2(moved.error().message.contains(model::toWire(to)),
                     qPrintable(edge + u": "_s + moved.error().message));
            const auto found = repository().find(start->id);
            PFA_VERIFY_OK(found);
            QVERIFY2(*found == *start, qPrintable(edge));
            ++refused;
        }
        QCOMPARE(auditCount(start->id).value_or(-1), *auditBefore);
        PFA_VERIFY_OK(listener.drain(m_db->connection()));
        QCOMPARE(describe(listener.events()), QStringList());
    }
    // 7 reachable states x 8 targets, less the 12 edges allowed out of them.
    QCOMPARE(refused, 44);
}

void TstModifications::discardNeedsAReason_data()
{
    QTest::addColumn<QString>("reason");
    QTest::newRow("empty") << QString();
    QTest::newRow("spaces") << u"   "_s;
    QTest::newRow("tabs and newlines") << u"\t\n \n"_s;
}

void TstModifications::discardNeedsAReason()
{
    QFETCH(QString, reason);
    const auto deadLetter = reach(SyncStatus::Failed);
    PFA_VERIFY_OK(deadLetter);
    const auto auditBefore = auditCount(deadLetter->id);

    const auto discarded = repository().discard(deadLetter->id, reason, Operator);
    QVERIFY(!discarded);
    QCOMPARE(discarded.error().code, ErrorCode::Validation);
    QCOMPARE(discarded.error().field, u"reason"_s);
    const auto found = repository().find(deadLetter->id);
    PFA_VERIFY_OK(found);
    QVERIFY(*found == *deadLetter);
    QCOMPARE(found->status, SyncStatus::Failed);
    QCOMPARE(auditCount(deadLetter->id).value_or(-1), auditBefore.value_or(-2));
}

void TstModifications::invalidDeltaIsNotCommitted_data()
{
    QTest::addColumn<FieldMap>("delta");
    QTest::addColumn<QString>("field");

    const FieldMap base = TestDatabase::sampleRecord(u"ACME"_s, 10001);
    const auto forecastStart = std::get<QDateTime>(base.at(PfaField::ForecastStart));
    const auto money = [](qint64 cents) {
        return model::Money::fromUnits(cents * 100);
    };

    QTest::newRow("forecastEnd before forecastStart")
        << FieldMap{{PfaField::ForecastEnd, forecastStart.addDays(-1)}} << u"forecastEnd"_s;
    QTest::newRow("actualEnd before actualStart")
        << FieldMap{{PfaField::ActualStart, forecastStart},
                    {PfaField::ActualEnd, forecastStart.addSecs(-3600)}}
        << u"actualEnd"_s;
    QTest::newRow("source not in the list")
        << FieldMap{{PfaField::Source, u"Lease"_s}} << u"source"_s;
    QTest::newRow("rental with a negative rate")
        << FieldMap{{PfaField::Source, u"Rental"_s}, {PfaField::MonthlyRate, money(-1)}}
        << u"monthlyRate"_s;
    QTest::newRow("purchase with a negative price")
        << FieldMap{{PfaField::Source, u"Purchase"_s}, {PfaField::PurchasePrice, money(-25'000'00)}}
        << u"purchasePrice"_s;
    QTest::newRow("description too long")
        << FieldMap{{PfaField::Description, QString(4001, u'x')}} << u"description"_s;
    QTest::newRow("control character")
        << FieldMap{{PfaField::Manufacturer, u"Caterpillar\u0007"_s}} << u"manufacturer"_s;
    QTest::newRow("key changed") << FieldMap{{PfaField::PfaId, u"PFA-99999"_s}} << u"pfaId"_s;
}

void TstModifications::invalidDeltaIsNotCommitted()
{
    QFETCH(FieldMap, delta);
    QFETCH(QString, field);

    EventListener listener(m_db->url());
    PFA_VERIFY_OK(listener.start());
    const auto draft = repository().saveDraft({.organizationId = m_seeded.organizationId,
                                               .pfaId = m_seeded.pfaId,
                                               .userId = m_seeded.userId,
                                               .delta = delta,
                                               .changeReason = u"Work in progress"_s},
                                              m_seeded.userEmail);
    PFA_VERIFY_OK(draft); // drafts may be incomplete or wrong; only commit validates
    PFA_VERIFY_OK(listener.drain(m_db->connection()));
    listener.clear();

    const auto committed = repository().commit(draft->id, m_seeded.userEmail);
    QVERIFY(!committed);
    QCOMPARE(committed.error().code, ErrorCode::Validation);
    QCOMPARE(committed.error().field, field);
    QVERIFY2(committed.error().message.contains(field), qPrintable(committed.error().message));

    const auto found = repository().find(draft->id);
    PFA_VERIFY_OK(found);
    QVERIFY(*found == *draft);
    QCOMPARE(found->status, SyncStatus::Draft);
    QCOMPARE(m_db->count(u"SELECT count(*) FROM pfa_write_queue"_s).value_or(-1), 0);
    QCOMPARE(auditCount(draft->id).value_or(-1), 1); // draft_saved only
    PFA_VERIFY_OK(listener.drain(m_db->connection()));
    QCOMPARE(describe(listener.events()), QStringList());
}

void TstModifications::commitAnnouncesSyncQueuedToOtherSessions()
{
    EventListener listener(m_db->url());
    PFA_VERIFY_OK(listener.start());
    const auto draft = m_db->saveValidDraft(m_seeded);
    PFA_VERIFY_OK(draft);

    const auto committed = repository().commit(draft->id, m_seeded.userEmail);
    PFA_VERIFY_OK(committed);
    // Waits on the notification itself, as a worker or a console would.
    QTRY_COMPARE_WITH_TIMEOUT(listener.events().size(), size_t(1), 10'000);
    const model::SyncEvent event = listener.events().front();
    QCOMPARE(event.type, model::EventType::SyncQueued);
    QCOMPARE(event.modificationId, std::optional(draft->id));
    QCOMPARE(event.queueId, std::optional(committed->queueItem.id));
    QCOMPARE(event.organizationId, m_seeded.organizationId);
    QCOMPARE(event.pfaId, m_seeded.pfaId);
    QCOMPARE(event.status, u"queued"_s);
    QVERIFY(event.at.isValid());

    // Nothing else came with it: "committed" has no event of its own.
    PFA_VERIFY_OK(listener.drain(m_db->connection()));
    QCOMPARE(listener.events().size(), size_t(1));
}

void TstModifications::rolledBackCommitAnnouncesNothing()
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
        PFA_VERIFY_OK(committed); // the NOTIFY is issued, but only delivered on COMMIT
        outer->rollback();
    }

    PFA_VERIFY_OK(listener.drain(m_db->connection()));
    QCOMPARE(describe(listener.events()), QStringList());
    QCOMPARE(repository().find(draft->id)->status, SyncStatus::Draft);

    // The same change committed for real is heard.
    const auto committed = repository().commit(draft->id, m_seeded.userEmail);
    PFA_VERIFY_OK(committed);
    PFA_VERIFY_OK(listener.drain(m_db->connection()));
    QCOMPARE(
        describe(listener.events()),
        QStringList{u"SYNC_QUEUED queued m=%1 q=%2"_s.arg(draft->id).arg(committed->queueItem.id)});
}

} // namespace pfa::test

QTEST_GUILESS_MAIN(pfa::test::TstModifications)
#include "tst_modifications.moc"
