#pragma once

#include "model/FieldValue.h"
#include "model/PfaField.h"

#include <vector>

namespace pfa::sync {

// What the three-way check needs: the record where the local change started, where PEMS is now,
// and what the local change sets.
struct ConflictInput
{
    model::FieldMap base;    // record data at the modification's base version
    bool baseKnown = true;   // false when history lacks the base version
    model::FieldMap current; // PEMS' current data (the mirror after refresh)
    // Union of pfa_mirror_history.changed_fields of the versions after base; used only when
    // !baseKnown, because then there is nothing to diff against.
    std::vector<model::PfaField> changedSinceBase;
    model::FieldMap localDelta; // the modification's delta (the fields it sets)
};

struct ConflictVerdict
{
    enum class Kind
    {
        Rebase,
        Conflict,
    };

    Kind kind = Kind::Rebase;
    std::vector<model::PfaField> pemsChanged; // fields PEMS changed since base (catalog order)
    std::vector<model::PfaField> identical;   // local and PEMS set the same value (catalog order)
    std::vector<model::PfaField> conflicting; // both changed, to different values (catalog order)
};

// DESIGN "Sync semantics", write path step 2: a local change may be rebased onto PEMS' newer
// version unless PEMS changed one of its fields to something else. Pure: no I/O, no clock.
class ConflictDetector final
{
public:
    [[nodiscard]] static ConflictVerdict check(const ConflictInput& input);
};

} // namespace pfa::sync
