#pragma once

#include "model/Error.h"
#include "model/PlannedResolution.h"
#include "model/ResolutionRule.h"

#include <QSqlDatabase>

#include <optional>
#include <vector>

namespace pfa::sync {

using PlannedResolutions = std::vector<model::PlannedResolution>;

// Many conflicts decided with one strategy (use_local or use_pems; a merge is per conflict and
// goes through ConflictResolver): a list of conflicts, or every unresolved conflict matching a
// rule ("use PEMS for every conflict on field X in organization Y"). Each resolution is exactly
// ConflictResolver's (the same prepare/carryOut code: audit rows, CONFLICT_RESOLVED,
// resolved_by), and a call is one transaction — all or nothing: a conflict that is no longer
// unresolved, a user without perm_resolve in any organization touched, or a change that breaks
// a rule refuses the whole call, naming the conflict, and changes nothing.
// Previews run the same planning without writing; an apply returns what it did in the same
// shape, by conflict id. Given the preview the user saw (`expected`), an apply refuses with
// Conflict when what it would do now differs from it (rows changed between preview and apply).
class BulkResolver final
{
public:
    explicit BulkResolver(QSqlDatabase db);

    [[nodiscard]] Expected<PlannedResolutions> preview(const std::vector<qint64>& conflictIds,
                                                       model::Resolution strategy,
                                                       qint64 userId) const;
    [[nodiscard]] Expected<PlannedResolutions>
    resolve(const std::vector<qint64>& conflictIds, model::Resolution strategy, qint64 userId,
            const std::optional<PlannedResolutions>& expected = {}) const;

    // The unresolved conflicts the rule matches now, by id.
    [[nodiscard]] Expected<std::vector<qint64>> matching(const model::ResolutionRule& rule) const;
    [[nodiscard]] Expected<PlannedResolutions> previewRule(const model::ResolutionRule& rule,
                                                           qint64 userId) const;
    [[nodiscard]] Expected<PlannedResolutions>
    applyRule(const model::ResolutionRule& rule, qint64 userId,
              const std::optional<PlannedResolutions>& expected = {}) const;

private:
    // Plans (and, with `apply`, carries out) the resolutions; the caller holds the transaction.
    [[nodiscard]] Expected<PlannedResolutions>
    run(std::vector<qint64> conflictIds, model::Resolution strategy, qint64 userId, bool apply,
        const std::optional<PlannedResolutions>& expected) const;
    [[nodiscard]] Expected<PlannedResolutions>
    inTransaction(const std::vector<qint64>& conflictIds, model::Resolution strategy, qint64 userId,
                  const std::optional<PlannedResolutions>& expected) const;

    QSqlDatabase m_db;
};

} // namespace pfa::sync
