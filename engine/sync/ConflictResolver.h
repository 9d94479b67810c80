#pragma once

#include "model/Conflict.h"
#include "model/Error.h"
#include "model/FieldValue.h"
#include "model/Modification.h"
#include "model/PfaField.h"
#include "model/Resolution.h"

#include <QSqlDatabase>
#include <map>
#include <optional>

namespace pfa::sync {

// For a merge: where one conflicting field's value comes from.
struct FieldChoice
{
    enum class Source
    {
        Mine, // the local change's value
        Pems, // PEMS' value: the field is left out of the change
        Edited,
    };
    Source source = Source::Mine;
    model::FieldValue edited; // Source::Edited only
};

struct Resolve
{
    qint64 conflictId = 0;
    model::Resolution strategy = model::Resolution::UseLocal;
    std::map<model::PfaField, FieldChoice> choices; // Merge: one per conflicting field
};

struct Resolved
{
    model::Conflict conflict;
    model::Modification modification; // queued again, or discarded (use_pems)
};

// A resolution decided but not yet carried out: the rows it acts on, the acting user, and what
// it will do. prepare() computes it; carryOut() applies exactly it. The bulk resolver previews
// with the first and applies with both, so a preview and what is applied cannot drift apart.
struct PreparedResolution
{
    model::Conflict conflict;
    model::Modification modification;
    QString actor;
    model::Resolution strategy = model::Resolution::UseLocal;
    std::optional<model::FieldMap> change;     // what goes to PEMS; nullopt/empty: discarded
    std::optional<model::FieldMap> mergedData; // Merge only: the conflicting fields' outcome
    // A deletion carries no fields: kept (use_local) it still goes out.
    [[nodiscard]] bool sendsSomething() const
    {
        if (modification.operation == model::Operation::Delete)
            return change.has_value();
        return change && !change->empty();
    }
};

// Decides a conflict raised by the write path (DESIGN "Sync semantics", spec flow 2):
// - use_local: the local change goes out again, now based on the PEMS version the conflict
//   showed;
// - use_pems: the local change is discarded; the mirror already holds PEMS' data;
// - merge: per conflicting field mine, PEMS' or an edited value; the result (with the change's
//   other fields) is validated on top of the record and goes out as the new change.
// Everything happens in one transaction: the conflict row (resolved_by, audit), the modification
// (audit, CONFLICT_RESOLVED), the queue item (new Idempotency-Key) and the workers' wake-up. A
// record that moved again in PEMS meanwhile is re-checked by the worker: the change is based on
// the version the user decided against, so PEMS' later edits go through the three-way check.
// Only users with perm_resolve on the conflict's organization may resolve.
class ConflictResolver final
{
public:
    explicit ConflictResolver(QSqlDatabase db);

    [[nodiscard]] Expected<Resolved> resolve(const Resolve& request, qint64 userId) const;

    // The two halves of resolve(), for callers that decide many conflicts in one transaction of
    // their own (BulkResolver). prepare() checks the conflict is unresolved, the user's
    // perm_resolve and the modification's state, and validates the outcome; with `lock` the rows
    // are locked for the caller's transaction (needed before carryOut()). Nothing is written.
    [[nodiscard]] Expected<PreparedResolution> prepare(const Resolve& request, qint64 userId,
                                                       bool lock) const;
    // Writes a prepared resolution inside the caller's transaction: the modification, its queue
    // item, the conflict row, their audit rows and CONFLICT_RESOLVED.
    [[nodiscard]] Expected<Resolved> carryOut(const PreparedResolution& prepared,
                                              qint64 userId) const;

private:
    QSqlDatabase m_db;
};

} // namespace pfa::sync
