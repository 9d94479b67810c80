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
    db::ConflictRepository conflicts(m_db);
    auto conflict = conflicts.lockUnresolved(request.conflictId);
    if (!conflict)
        return std::unexpected(conflict.error());
    auto user = authorize(m_db, userId, conflict->organizationId, OrganizationRight::Resolve);
    if (!user)
        return std::unexpected(user.error());
    const QString actor = user->email;

    db::ModificationRepository modifications(m_db);
    auto modification = modifications.lock(conflict->modificationId);
    if (!modification)
        return std::unexpected(modification.error());
    if (modification->status != model::SyncStatus::Conflict)
        return fail(ErrorCode::Conflict,
                    u"modification %1 is %2, not in conflict"_s.arg(modification->id)
                        .arg(model::toWire(modification->status)));

    std::optional<model::FieldMap> change;
    switch (request.strategy) {
    case model::Resolution::UsePems:
        break;
    case model::Resolution::UseLocal:
        change = modification->delta;
        break;
    case model::Resolution::Merge: {
        auto merged = mergedChange(*conflict, modification->delta, request.choices);
        if (!merged)
            return std::unexpected(merged.error());
        change = std::move(*merged);
        break;
    }
    }
    // A merge that keeps nothing of the local change is PEMS' version after all.
    const bool sendsSomething = change && !change->empty();

    db::QueueRepository queue(m_db);
    std::optional<model::Modification> after;
    if (sendsSomething) {
        // Validated on top of the record as the conflict showed it: the version the change is
        // now based on. The worker validates again on top of whatever PEMS holds when it sends.
        if (auto valid = model::Validator::check(conflict->pemsData, *change); !valid)
            return std::unexpected(valid.error());
        auto rebased =
            modifications.rebaseInConflict(modification->id, *change, conflict->pemsVersion);
        if (!rebased)
            return std::unexpected(rebased.error());
        auto requeued = queue.requeueResolved(modification->id, model::fieldMapToJson(*change));
        if (!requeued)
            return std::unexpected(requeued.error());
        auto queued = modifications.transition(
            modification->id, model::SyncStatus::Queued, actor,
            {.syncError = QString(),
             .queueId = requeued->id,
             .conflictId = conflict->id,
             .details = {{"conflictId", conflict->id},
                         {"resolution", model::toWire(request.strategy).toStdString()},
                         {"baseVersion", conflict->pemsVersion}}});
        if (!queued)
            return std::unexpected(queued.error());
        after = std::move(*queued);
    } else {
        const QString reason = request.strategy == model::Resolution::UsePems
                                   ? u"conflict resolved: PEMS' version kept"_s
                                   : u"conflict resolved: the merge kept PEMS' values"_s;
        auto closed = queue.closeUnsent(modification->id, reason);
        if (!closed)
            return std::unexpected(closed.error());
        auto discarded = modifications.transition(
            modification->id, model::SyncStatus::Discarded, actor,
            {.syncError = reason,
             .queueId = closed->id,
             .conflictId = conflict->id,
             .details = {{"conflictId", conflict->id},
                         {"resolution", model::toWire(request.strategy).toStdString()}}});
        if (!discarded)
            return std::unexpected(discarded.error());
        after = std::move(*discarded);
    }

    std::optional<model::FieldMap> mergedData;
    if (request.strategy == model::Resolution::Merge) {
        mergedData = model::FieldMap{};
        for (const model::PfaField field : conflict->conflictFields) {
            const auto& choice = request.choices.at(field);
            if (choice.source == FieldChoice::Source::Pems) {
                if (auto pems = conflict->pemsData.find(field); pems != conflict->pemsData.end())
                    (*mergedData)[field] = pems->second;
            } else {
                (*mergedData)[field] = change->at(field);
            }
        }
    }
    auto resolved = conflicts.markResolved(*conflict, request.strategy, mergedData, userId, actor);
    if (!resolved)
        return std::unexpected(resolved.error());
    if (auto committed = transaction->commit(); !committed)
        return std::unexpected(committed.error());
    return Resolved{.conflict = std::move(*resolved), .modification = std::move(*after)};
}

} // namespace pfa::sync
