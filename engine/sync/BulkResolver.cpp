#include "sync/BulkResolver.h"

#include "db/ConflictRepository.h"
#include "db/Transaction.h"
#include "sync/Authorization.h"
#include "sync/ConflictResolver.h"
#include "sync/SyncLog.h"

#include <algorithm>

using namespace Qt::StringLiterals;

namespace pfa::sync {

namespace {

model::PlannedResolution planOf(const PreparedResolution& prepared)
{
    model::PlannedResolution plan{.conflictId = prepared.conflict.id,
                                  .modificationId = prepared.modification.id,
                                  .organizationId = prepared.conflict.organizationId,
                                  .pfaId = prepared.conflict.pfaId,
                                  .strategy = prepared.strategy};
    if (prepared.sendsSomething())
        plan.sent = *prepared.change;
    for (const model::PfaField field : prepared.conflict.conflictFields) {
        const model::FieldValue pems = model::valueOf(prepared.conflict.pemsData, field);
        const auto sent = plan.sent.find(field);
        plan.fields.push_back({field, pems, sent == plan.sent.end() ? pems : sent->second});
    }
    return plan;
}

Error aboutConflict(qint64 conflictId, Error error)
{
    if (!error.message.contains(u"conflict %1"_s.arg(conflictId)))
        error.message = u"conflict %1: %2"_s.arg(conflictId).arg(error.message);
    return error;
}

// The first conflict whose planned resolution is not the one the caller saw, or 0.
qint64 firstDifference(const PlannedResolutions& now, const PlannedResolutions& seen)
{
    for (const auto& plan : now) {
        const auto match =
            std::ranges::find(seen, plan.conflictId, &model::PlannedResolution::conflictId);
        if (match == seen.end() || *match != plan)
            return plan.conflictId;
    }
    for (const auto& plan : seen) {
        if (std::ranges::find(now, plan.conflictId, &model::PlannedResolution::conflictId) ==
            now.end())
            return plan.conflictId;
    }
    return 0;
}

} // namespace

BulkResolver::BulkResolver(QSqlDatabase db)
    : m_db(std::move(db))
{}

Expected<PlannedResolutions>
BulkResolver::run(std::vector<qint64> conflictIds, model::Resolution strategy, qint64 userId,
                  bool apply, const std::optional<PlannedResolutions>& expected) const
{
    if (strategy == model::Resolution::Merge)
        return fail(ErrorCode::InvalidInput,
                    u"a merge decides each field of one conflict; resolve it on its own"_s,
                    u"strategy"_s);
    // Ascending ids: two bulk calls lock their rows in the same order and cannot deadlock.
    std::ranges::sort(conflictIds);
    const auto [first, last] = std::ranges::unique(conflictIds);
    conflictIds.erase(first, last);

    const ConflictResolver resolver(m_db);
    std::vector<PreparedResolution> prepared;
    PlannedResolutions plans;
    for (const qint64 id : conflictIds) {
        auto one = resolver.prepare({.conflictId = id, .strategy = strategy}, userId, apply);
        if (!one)
            return std::unexpected(aboutConflict(id, one.error()));
        plans.push_back(planOf(*one));
        prepared.push_back(std::move(*one));
    }
    if (expected) {
        if (const qint64 differs = firstDifference(plans, *expected); differs != 0)
            return fail(ErrorCode::Conflict,
                        u"conflict %1 is not as the preview showed it; look at the preview "
                        "again"_s.arg(differs));
    }
    if (!apply)
        return plans;
    for (const PreparedResolution& one : prepared) {
        if (auto resolved = resolver.carryOut(one, userId); !resolved)
            return std::unexpected(aboutConflict(one.conflict.id, resolved.error()));
    }
    return plans;
}

Expected<PlannedResolutions>
BulkResolver::inTransaction(const std::vector<qint64>& conflictIds, model::Resolution strategy,
                            qint64 userId, const std::optional<PlannedResolutions>& expected) const
{
    auto transaction = db::Transaction::begin(m_db);
    if (!transaction)
        return std::unexpected(transaction.error());
    auto applied = run(conflictIds, strategy, userId, true, expected);
    if (!applied)
        return applied;
    if (auto committed = transaction->commit(); !committed)
        return std::unexpected(committed.error());
    qCInfo(lcSync).noquote() << "user" << userId << "resolved" << applied->size()
                             << "conflicts with" << model::toWire(strategy);
    return applied;
}

Expected<PlannedResolutions> BulkResolver::preview(const std::vector<qint64>& conflictIds,
                                                   model::Resolution strategy, qint64 userId) const
{
    if (conflictIds.empty())
        return fail(ErrorCode::InvalidInput, u"name at least one conflict"_s, u"conflictIds"_s);
    return run(conflictIds, strategy, userId, false, std::nullopt);
}

Expected<PlannedResolutions>
BulkResolver::resolve(const std::vector<qint64>& conflictIds, model::Resolution strategy,
                      qint64 userId, const std::optional<PlannedResolutions>& expected) const
{
    if (conflictIds.empty())
        return fail(ErrorCode::InvalidInput, u"name at least one conflict"_s, u"conflictIds"_s);
    return inTransaction(conflictIds, strategy, userId, expected);
}

Expected<std::vector<qint64>> BulkResolver::matching(const model::ResolutionRule& rule) const
{
    auto open = db::ConflictRepository(m_db).unresolved(rule.organizationId);
    if (!open)
        return std::unexpected(open.error());
    std::vector<qint64> ids;
    for (const model::Conflict& conflict : *open) {
        if (rule.field && std::ranges::find(conflict.conflictFields, *rule.field) ==
                              conflict.conflictFields.end())
            continue;
        if (!conflict.pfaId.startsWith(rule.pfaIdPrefix))
            continue;
        if (rule.raisedBefore && !(conflict.createdAt < *rule.raisedBefore))
            continue;
        ids.push_back(conflict.id);
    }
    return ids;
}

Expected<PlannedResolutions> BulkResolver::previewRule(const model::ResolutionRule& rule,
                                                       qint64 userId) const
{
    // Asked even when nothing matches: a rule shows the organization's conflicts.
    if (auto user = authorize(m_db, userId, rule.organizationId, OrganizationRight::Resolve); !user)
        return std::unexpected(user.error());
    auto ids = matching(rule);
    if (!ids)
        return std::unexpected(ids.error());
    return run(*ids, rule.strategy, userId, false, std::nullopt);
}

Expected<PlannedResolutions>
BulkResolver::applyRule(const model::ResolutionRule& rule, qint64 userId,
                        const std::optional<PlannedResolutions>& expected) const
{
    if (auto user = authorize(m_db, userId, rule.organizationId, OrganizationRight::Resolve); !user)
        return std::unexpected(user.error());
    auto transaction = db::Transaction::begin(m_db);
    if (!transaction)
        return std::unexpected(transaction.error());
    auto ids = matching(rule);
    if (!ids)
        return std::unexpected(ids.error());
    auto applied = inTransaction(*ids, rule.strategy, userId, expected);
    if (!applied)
        return applied;
    if (auto committed = transaction->commit(); !committed)
        return std::unexpected(committed.error());
    return applied;
}

} // namespace pfa::sync
