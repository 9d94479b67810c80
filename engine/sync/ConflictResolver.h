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

private:
    QSqlDatabase m_db;
};

} // namespace pfa::sync
