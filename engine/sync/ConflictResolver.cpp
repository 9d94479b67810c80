#include "sync/ConflictResolver.h"

#include "db/ConflictRepository.h"
#include "db/MirrorRepository.h"
#include "db/ModificationRepository.h"
#include "db/QueueRepository.h"
#include "db/Transaction.h"
#include "model/Validator.h"
#include "sync/Authorization.h"

#include <algorithm>

using namespace Qt::StringLiterals;

namespace pfa::sync {

namespace {

// The change a merge sends: the local change's fields outside the conflict as they were, and
// per conflicting field the chosen value (PEMS' choice leaves the field out).
Expected<model::FieldMap> mergedChange(const model::Conflict& conflict,
                                       const model::FieldMap& localChange,
                                       const std::map<model::PfaField, FieldChoice>& choices)
{
    model::FieldMap change = localChange;
    for (const auto& [field, choice] : choices) {
        if (std::ranges::find(conflict.conflictFields, field) == conflict.conflictFields.end())
            return fail(
                ErrorCode::InvalidInput,
                u"%1 is not a conflicting field of conflict %2"_s.arg(model::wireName(field))
                    .arg(conflict.id),
                model::wireName(field));
    }
    for (const model::PfaField field : conflict.conflictFields) {
        const auto choice = choices.find(field);
        if (choice == choices.end())
            return fail(
                ErrorCode::InvalidInput,
                u"choose mine, PEMS' or an edited value for %1"_s.arg(model::wireName(field)),
                model::wireName(field));
        switch (choice->second.source) {
        case FieldChoice::Source::Mine:
            break;
        case FieldChoice::Source::Pems:
            change.erase(field);
            break;
        case FieldChoice::Source::Edited:
            change[field] = choice->second.edited;
            break;
        }
    }
    return change;
}

} // namespace

ConflictResolver::ConflictResolver(QSqlDatabase db)
    : m_db(std::move(db))
{}

Expected<Resolved> ConflictResolver::resolve(const Resolve& request, qint64 userId) const
{
    auto transaction = db::Transaction::begin(m_db);
    if (!transaction)
        return std::unexpected(transaction.error());
    auto prepared = prepare(request, userId, true);
    if (!prepared)
        return std::unexpected(prepared.error());
    auto resolved = carryOut(*prepared, userId);
    if (!resolved)
        return resolved;
    if (auto committed = transaction->commit(); !committed)
        return std::unexpected(committed.error());
    return resolved;
}

Expected<PreparedResolution> ConflictResolver::prepare(const Resolve& request, qint64 userId,
                                                       bool lock) const
{
    db::ConflictRepository conflicts(m_db);
    auto conflict =
        lock ? conflicts.lockUnresolved(request.conflictId) : conflicts.find(request.conflictId);
    if (!conflict)
        return std::unexpected(conflict.error());
    if (conflict->status != model::ConflictStatus::Unresolved)
        return fail(ErrorCode::Conflict,
                    u"conflict %1 is already resolved"_s.arg(request.conflictId));
    auto user = authorize(m_db, userId, conflict->organizationId, OrganizationRight::Resolve);
    if (!user)
        return std::unexpected(user.error());

    db::ModificationRepository modifications(m_db);
    auto modification = lock ? modifications.lock(conflict->modificationId)
                             : modifications.find(conflict->modificationId);
    if (!modification)
        return std::unexpected(modification.error());
    if (modification->status != model::SyncStatus::Conflict)
        return fail(ErrorCode::Conflict,
                    u"modification %1 is %2, not in conflict"_s.arg(modification->id)
                        .arg(model::toWire(modification->status)));

    PreparedResolution prepared{.conflict = std::move(*conflict),
                                .modification = std::move(*modification),
                                .actor = user->email,
                                .strategy = request.strategy};
    switch (request.strategy) {
    case model::Resolution::UsePems:
        break;
    case model::Resolution::UseLocal:
        prepared.change = prepared.modification.delta;
        break;
    case model::Resolution::Merge: {
        if (prepared.modification.operation == model::Operation::Delete)
            return fail(
                ErrorCode::Validation,
                u"conflict %1 is about deleting %2: keep the deletion (use_local) or PEMS' "
                "record (use_pems); there are no fields to merge"_s.arg(prepared.conflict.id)
                    .arg(prepared.modification.pfaId),
                u"strategy"_s);
        auto merged = mergedChange(prepared.conflict, prepared.modification.delta, request.choices);
        if (!merged)
            return std::unexpected(merged.error());
        prepared.change = std::move(*merged);
        break;
    }
    }
    // Validated on top of the record as the conflict showed it: the version the change is now
    // based on. The worker validates again on top of whatever PEMS holds when it sends.
    if (prepared.sendsSomething() && prepared.modification.operation != model::Operation::Delete) {
        if (auto valid = model::Validator::check(prepared.conflict.pemsData, *prepared.change);
            !valid)
            return std::unexpected(valid.error());
    }
    if (request.strategy == model::Resolution::Merge) {
        model::FieldMap mergedData;
        for (const model::PfaField field : prepared.conflict.conflictFields) {
            if (request.choices.at(field).source == FieldChoice::Source::Pems) {
                const auto& pems = prepared.conflict.pemsData;
                if (auto value = pems.find(field); value != pems.end())
                    mergedData[field] = value->second;
            } else {
                mergedData[field] = prepared.change->at(field);
            }
        }
        prepared.mergedData = std::move(mergedData);
    }
    return prepared;
}

Expected<Resolved> ConflictResolver::carryOut(const PreparedResolution& prepared,
                                              qint64 userId) const
{
    const model::Conflict& conflict = prepared.conflict;
    const qint64 modificationId = prepared.modification.id;
    db::ModificationRepository modifications(m_db);
    db::QueueRepository queue(m_db);
    std::optional<model::Modification> after;
    if (prepared.sendsSomething()) {
        auto rebased =
            modifications.rebaseInConflict(modificationId, *prepared.change, conflict.pemsVersion);
        if (!rebased)
            return std::unexpected(rebased.error());
        auto requeued =
            queue.requeueResolved(modificationId, model::fieldMapToJson(*prepared.change));
        if (!requeued)
            return std::unexpected(requeued.error());
        auto queued = modifications.transition(
            modificationId, model::SyncStatus::Queued, prepared.actor,
            {.syncError = QString(),
             .queueId = requeued->id,
             .conflictId = conflict.id,
             .details = {{"conflictId", conflict.id},
                         {"resolution", model::toWire(prepared.strategy).toStdString()},
                         {"baseVersion", conflict.pemsVersion}}});
        if (!queued)
            return std::unexpected(queued.error());
        after = std::move(*queued);
    } else {
        // A merge that keeps nothing of the local change is PEMS' version after all.
        const QString reason = prepared.strategy == model::Resolution::UsePems
                                   ? u"conflict resolved: PEMS' version kept"_s
                                   : u"conflict resolved: the merge kept PEMS' values"_s;
        auto closed = queue.closeUnsent(modificationId, reason);
        if (!closed)
            return std::unexpected(closed.error());
        auto discarded = modifications.transition(
            modificationId, model::SyncStatus::Discarded, prepared.actor,
            {.syncError = reason,
             .queueId = closed->id,
             .conflictId = conflict.id,
             .details = {{"conflictId", conflict.id},
                         {"resolution", model::toWire(prepared.strategy).toStdString()}}});
        if (!discarded)
            return std::unexpected(discarded.error());
        after = std::move(*discarded);
    }
    auto resolved = db::ConflictRepository(m_db).markResolved(
        conflict, prepared.strategy, prepared.mergedData, userId, prepared.actor);
    if (!resolved)
        return std::unexpected(resolved.error());
    return Resolved{.conflict = std::move(*resolved), .modification = std::move(*after)};
}

} // namespace pfa::sync
