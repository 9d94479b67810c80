#include "db/ModificationRepository.h"

#include "db/AuditRepository.h"
#include "db/EventPublisher.h"
#include "db/MirrorRepository.h"
#include "db/QueueRepository.h"
#include "db/Transaction.h"
#include "model/Validator.h"

#include <QStringList>

using namespace Qt::StringLiterals;

namespace pfa::db {

namespace {

const QString Columns =
    u"id, organization_id, pfa_id, user_id, operation, base_version, delta::text, change_reason,"
    " sync_status, synced_at, COALESCE(sync_error, ''), pems_version, job_id, rollback_of_version,"
    " created_at, updated_at"_s;

Expected<model::Modification> modificationFromRow(const QSqlQuery& row)
{
    auto deltaJson = jsonColumn(row.value(6), u"pfa_modification.delta");
    if (!deltaJson)
        return std::unexpected(deltaJson.error());
    auto delta = model::fieldMapFromJson(*deltaJson);
    if (!delta)
        return std::unexpected(delta.error());
    const auto operation = model::fromWire<model::Operation>(row.value(4).toString());
    const auto status = model::fromWire<model::SyncStatus>(row.value(8).toString());
    if (!operation || !status)
        return fail(ErrorCode::Database,
                    u"pfa_modification row %1 holds an unknown operation or status"_s.arg(
                        row.value(0).toLongLong()));
    return model::Modification{.id = row.value(0).toLongLong(),
                               .organizationId = row.value(1).toLongLong(),
                               .pfaId = row.value(2).toString(),
                               .userId = row.value(3).toLongLong(),
                               .operation = *operation,
                               .baseVersion = row.value(5).toLongLong(),
                               .delta = std::move(*delta),
                               .changeReason = row.value(7).toString(),
                               .status = *status,
                               .syncedAt = optionalDateTime(row.value(9)),
                               .syncError = row.value(10).toString(),
                               .pemsVersion = optionalInt(row.value(11)),
                               .jobId = optionalInt(row.value(12)),
                               .rollbackOfVersion = optionalInt(row.value(13)),
                               .createdAt = utc(row.value(14)),
                               .updatedAt = utc(row.value(15))};
}

// Which event a transition announces. `committed` has none of its own: commit moves on to
// `queued` in the same transaction, and SYNC_QUEUED announces both.
std::optional<model::EventType> eventFor(const model::Modification& current, model::SyncStatus to)
{
    using model::EventType;
    using model::SyncStatus;
    switch (to) {
    case SyncStatus::Queued:
        if (current.status == SyncStatus::Syncing)
            return EventType::SyncRetry;
        if (current.status == SyncStatus::Conflict)
            return EventType::ConflictResolved;
        return current.rollbackOfVersion ? EventType::RollbackQueued : EventType::SyncQueued;
    case SyncStatus::Syncing:
        return EventType::SyncStarted;
    case SyncStatus::Synced:
        return EventType::SyncSuccess;
    case SyncStatus::Conflict:
        return EventType::SyncConflict;
    case SyncStatus::Failed:
        return EventType::SyncFailed;
    case SyncStatus::Discarded:
        return current.status == SyncStatus::Conflict ? EventType::ConflictResolved
                                                      : EventType::SyncDiscarded;
    case SyncStatus::Draft:
    case SyncStatus::Committed:
        break;
    }
    return std::nullopt;
}

// The audit row of any change to a modification: the entity and organization come from it.
Expected<void> audit(const QSqlDatabase& db, const model::Modification& modification,
                     const QString& actor, const QString& action, nlohmann::json before,
                     nlohmann::json after, nlohmann::json details = nlohmann::json::object())
{
    auto appended = AuditRepository(db).append({.actor = actor,
                                                .action = u"modification."_s + action,
                                                .organizationId = modification.organizationId,
                                                .entity = u"pfa_modification"_s,
                                                .entityId = QString::number(modification.id),
                                                .before = std::move(before),
                                                .after = std::move(after),
                                                .details = std::move(details)});
    if (!appended)
        return std::unexpected(appended.error());
    return {};
}

Error validationError(const std::vector<model::ValidationIssue>& issues)
{
    QStringList messages;
    for (const auto& issue : issues)
        messages << issue.message;
    return Error{ErrorCode::Validation, messages.join(u"; "_s),
                 model::wireName(issues.front().field)};
}

} // namespace

ModificationRepository::ModificationRepository(QSqlDatabase db)
    : m_db(std::move(db))
{}

Expected<std::vector<model::Modification>>
ModificationRepository::select(const QString& where, std::initializer_list<SqlParam> params) const
{
    auto query = runQuery(m_db, u"read modifications",
                          u"SELECT "_s + Columns + u" FROM pfa_modification "_s + where, params);
    if (!query)
        return std::unexpected(query.error());
    std::vector<model::Modification> modifications;
    while (query->next()) {
        auto modification = modificationFromRow(*query);
        if (!modification)
            return std::unexpected(modification.error());
        modifications.push_back(std::move(*modification));
    }
    return modifications;
}

Expected<model::Modification> ModificationRepository::find(qint64 id) const
{
    auto found = select(u"WHERE id = :id"_s, {{"id"_L1, id}});
    if (!found)
        return std::unexpected(found.error());
    if (found->empty())
        return fail(ErrorCode::NotFound, u"modification %1 does not exist"_s.arg(id));
    return found->front();
}

Expected<model::Modification> ModificationRepository::lock(qint64 id) const
{
    auto found = select(u"WHERE id = :id FOR UPDATE"_s, {{"id"_L1, id}});
    if (!found)
        return std::unexpected(found.error());
    if (found->empty())
        return fail(ErrorCode::NotFound, u"modification %1 does not exist"_s.arg(id));
    return found->front();
}

Expected<std::vector<model::Modification>>
ModificationRepository::forRecord(qint64 organizationId, const QString& pfaId) const
{
    return select(u"WHERE organization_id = :org AND pfa_id = :pfa ORDER BY id"_s,
                  {{"org"_L1, organizationId}, {"pfa"_L1, pfaId}});
}

Expected<std::vector<model::Modification>>
ModificationRepository::drafts(qint64 organizationId) const
{
    return select(u"WHERE organization_id = :org AND sync_status = 'draft' ORDER BY id"_s,
                  {{"org"_L1, organizationId}});
}

Expected<model::Modification> ModificationRepository::saveDraft(const NewDraft& draft,
                                                                const QString& actor) const
{
    if (draft.operation == model::Operation::Update && draft.delta.empty())
        return fail(ErrorCode::Validation, u"an update needs at least one changed field"_s,
                    u"delta"_s);
    if (draft.operation == model::Operation::Delete && !draft.delta.empty())
        return fail(ErrorCode::Validation, u"a delete carries no field changes"_s, u"delta"_s);

    auto transaction = Transaction::begin(m_db);
    if (!transaction)
        return std::unexpected(transaction.error());
    auto mirror = MirrorRepository(m_db).find(draft.organizationId, draft.pfaId);
    if (!mirror)
        return std::unexpected(mirror.error());
    if (!*mirror)
        return fail(ErrorCode::NotFound,
                    u"record %1 does not exist in organization %2"_s.arg(draft.pfaId)
                        .arg(draft.organizationId),
                    u"pfaId"_s);

    auto inserted = runQuery(
        m_db, u"save the draft",
        u"INSERT INTO pfa_modification (organization_id, pfa_id, user_id, operation, base_version,"
        " delta, change_reason, rollback_of_version) VALUES (:org, :pfa, :user, :operation,"
        " :base, CAST(:delta AS jsonb), :reason, CAST(:rollbackOf AS bigint)) RETURNING "_s +
            Columns,
        {{"org"_L1, draft.organizationId},
         {"pfa"_L1, draft.pfaId},
         {"user"_L1, draft.userId},
         {"operation"_L1, model::toWire(draft.operation)},
         {"base"_L1, (*mirror)->version},
         {"delta"_L1, jsonText(model::fieldMapToJson(draft.delta))},
         {"reason"_L1, draft.changeReason},
         {"rollbackOf"_L1, nullableInt(draft.rollbackOfVersion)}});
    if (!inserted)
        return std::unexpected(inserted.error());
    inserted->next();
    auto saved = modificationFromRow(*inserted);
    if (!saved)
        return saved;
    auto audited = audit(m_db, *saved, actor, u"draft_saved"_s, {}, model::toJson(*saved));
    if (!audited)
        return std::unexpected(audited.error());
    if (auto committed = transaction->commit(); !committed)
        return std::unexpected(committed.error());
    return saved;
}

Expected<model::Modification> ModificationRepository::updateDraft(qint64 id,
                                                                  const model::FieldMap& delta,
                                                                  const QString& changeReason,
                                                                  const QString& actor) const
{
    auto transaction = Transaction::begin(m_db);
    if (!transaction)
        return std::unexpected(transaction.error());
    auto current = lock(id);
    if (!current)
        return current;
    if (current->status != model::SyncStatus::Draft)
        return fail(ErrorCode::Conflict,
                    u"modification %1 is %2, and only a draft can be edited"_s.arg(id).arg(
                        model::toWire(current->status)));
    if (current->operation == model::Operation::Update && delta.empty())
        return fail(ErrorCode::Validation, u"an update needs at least one changed field"_s,
                    u"delta"_s);
    auto updated =
        runQuery(m_db, u"update the draft",
                 u"UPDATE pfa_modification SET delta = CAST(:delta AS jsonb),"
                 " change_reason = :reason, updated_at = now() WHERE id = :id RETURNING "_s +
                     Columns,
                 {{"delta"_L1, jsonText(model::fieldMapToJson(delta))},
                  {"reason"_L1, changeReason},
                  {"id"_L1, id}});
    if (!updated)
        return std::unexpected(updated.error());
    updated->next();
    auto saved = modificationFromRow(*updated);
    if (!saved)
        return saved;
    auto audited = audit(m_db, *saved, actor, u"draft_updated"_s, model::toJson(*current),
                         model::toJson(*saved));
    if (!audited)
        return std::unexpected(audited.error());
    if (auto committed = transaction->commit(); !committed)
        return std::unexpected(committed.error());
    return saved;
}

Expected<Committed> ModificationRepository::commit(qint64 id, const QString& actor,
                                                   const CommitOptions& options) const
{
    auto transaction = Transaction::begin(m_db);
    if (!transaction)
        return std::unexpected(transaction.error());
    auto current = lock(id);
    if (!current)
        return std::unexpected(current.error());
    if (current->status != model::SyncStatus::Draft)
        return fail(ErrorCode::Conflict,
                    u"modification %1 is %2; only a draft can be committed"_s.arg(id).arg(
                        model::toWire(current->status)));

    auto mirror = MirrorRepository(m_db).find(current->organizationId, current->pfaId);
    if (!mirror)
        return std::unexpected(mirror.error());
    if (current->operation == model::Operation::Update) {
        const auto issues = model::Validator::validateDelta((*mirror)->data, current->delta);
        if (!issues.empty())
            return std::unexpected(validationError(issues));
    }

    // The request body PEMS will receive; the worker may rebase it before sending.
    auto context = runQuery(m_db, u"read the commit context",
                            u"SELECT o.code, u.email FROM organization o, app_user u"
                            " WHERE o.id = :org AND u.id = :user"_s,
                            {{"org"_L1, current->organizationId}, {"user"_L1, current->userId}});
    if (!context)
        return std::unexpected(context.error());
    context->next();
    const nlohmann::json payload = {
        {"pfaId", current->pfaId.toStdString()},
        {"organizationCode", context->value(0).toString().toStdString()},
        {"changes", model::fieldMapToJson(current->delta)},
        {"version", current->baseVersion},
        {"modifiedBy", context->value(1).toString().toStdString()},
        {"changeReason", current->changeReason.toStdString()}};

    auto committed = apply(*current, model::SyncStatus::Committed, actor, {});
    if (!committed)
        return std::unexpected(committed.error());
    auto queued = QueueRepository(m_db).enqueue({.modificationId = id,
                                                 .organizationId = current->organizationId,
                                                 .pfaId = current->pfaId,
                                                 .operation = current->operation,
                                                 .payload = payload,
                                                 .priority = options.priority,
                                                 .maxRetries = options.maxRetries,
                                                 .jobId = options.jobId});
    if (!queued)
        return std::unexpected(queued.error());
    if (options.jobId) {
        auto linked = runQuery(m_db, u"link the modification to its job",
                               u"UPDATE pfa_modification SET job_id = :job WHERE id = :id"_s,
                               {{"job"_L1, *options.jobId}, {"id"_L1, id}});
        if (!linked)
            return std::unexpected(linked.error());
        committed->jobId = options.jobId;
    }
    auto inQueue = apply(*committed, model::SyncStatus::Queued, actor,
                         {.queueId = queued->id, .details = {{"queueId", queued->id}}});
    if (!inQueue)
        return std::unexpected(inQueue.error());
    if (auto done = transaction->commit(); !done)
        return std::unexpected(done.error());
    return Committed{std::move(*inQueue), std::move(*queued)};
}

Expected<model::Modification>
ModificationRepository::transition(qint64 id, model::SyncStatus to, const QString& actor,
                                   const TransitionChange& change) const
{
    // `committed` exists only inside commit(), together with its queue row.
    if (to == model::SyncStatus::Committed)
        return fail(ErrorCode::Conflict,
                    u"modification %1 can only become committed through commit()"_s.arg(id));
    auto transaction = Transaction::begin(m_db);
    if (!transaction)
        return std::unexpected(transaction.error());
    auto current = lock(id);
    if (!current)
        return current;
    auto moved = apply(*current, to, actor, change);
    if (!moved)
        return moved;
    if (auto done = transaction->commit(); !done)
        return std::unexpected(done.error());
    return moved;
}

Expected<model::Modification> ModificationRepository::rebaseInConflict(qint64 id,
                                                                       const model::FieldMap& delta,
                                                                       qint64 baseVersion) const
{
    auto query = runQuery(m_db, u"replace the change of a modification in conflict",
                          u"UPDATE pfa_modification SET delta = CAST(:delta AS jsonb),"
                          " base_version = :base, updated_at = now()"
                          " WHERE id = :id AND sync_status = 'conflict' RETURNING "_s +
                              Columns,
                          {{"delta"_L1, jsonText(model::fieldMapToJson(delta))},
                           {"base"_L1, baseVersion},
                           {"id"_L1, id}});
    if (!query)
        return std::unexpected(query.error());
    if (!query->next())
        return fail(ErrorCode::Conflict, u"modification %1 is not in conflict"_s.arg(id));
    return modificationFromRow(*query);
}

Expected<model::Modification> ModificationRepository::discard(qint64 id, const QString& reason,
                                                              const QString& actor) const
{
    if (reason.trimmed().isEmpty())
        return fail(ErrorCode::Validation, u"discarding a modification needs a reason"_s,
                    u"reason"_s);
    return transition(
        id, model::SyncStatus::Discarded, actor,
        {.syncError = u"discarded: "_s + reason, .details = {{"reason", reason.toStdString()}}});
}

Expected<model::Modification> ModificationRepository::apply(const model::Modification& current,
                                                            model::SyncStatus to,
                                                            const QString& actor,
                                                            const TransitionChange& change) const
{
    if (!model::canTransition(current.status, to))
        return fail(ErrorCode::Conflict,
                    u"modification %1 cannot go from %2 to %3"_s.arg(current.id)
                        .arg(model::toWire(current.status), model::toWire(to)));

    auto updated = runQuery(m_db, u"change the modification's state",
                            u"UPDATE pfa_modification SET sync_status = :to, updated_at = now(),"
                            " sync_error = CASE WHEN :setError THEN NULLIF(CAST(:error AS text), "
                            "'') ELSE sync_error END,"
                            " pems_version = COALESCE(CAST(:pemsVersion AS bigint), pems_version),"
                            " synced_at = CASE WHEN :markSynced THEN now() ELSE synced_at END"
                            " WHERE id = :id RETURNING "_s +
                                Columns,
                            {{"to"_L1, model::toWire(to)},
                             {"setError"_L1, change.syncError.has_value()},
                             {"error"_L1, change.syncError.value_or(QString())},
                             {"pemsVersion"_L1, nullableInt(change.pemsVersion)},
                             {"markSynced"_L1, change.markSynced},
                             {"id"_L1, current.id}});
    if (!updated)
        return std::unexpected(updated.error());
    updated->next();
    auto moved = modificationFromRow(*updated);
    if (!moved)
        return moved;

    nlohmann::json after = {{"status", model::toWire(to).toStdString()}};
    if (change.syncError)
        after["syncError"] = change.syncError->toStdString();
    if (change.pemsVersion)
        after["pemsVersion"] = *change.pemsVersion;
    auto audited =
        audit(m_db, current, actor, model::toWire(to),
              {{"status", model::toWire(current.status).toStdString()}}, after, change.details);
    if (!audited)
        return std::unexpected(audited.error());

    if (const auto type = eventFor(current, to)) {
        auto published = EventPublisher::publish(m_db, {.type = *type,
                                                        .organizationId = current.organizationId,
                                                        .pfaId = current.pfaId,
                                                        .modificationId = current.id,
                                                        .queueId = change.queueId,
                                                        .conflictId = change.conflictId,
                                                        .jobId = moved->jobId,
                                                        .status = model::toWire(to),
                                                        .at = QDateTime::currentDateTimeUtc()});
        if (!published)
            return std::unexpected(published.error());
    }
    return moved;
}

} // namespace pfa::db
