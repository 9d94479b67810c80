#pragma once

#include "model/FieldValue.h"

#include <vector>

namespace pfa::model {

struct FieldChange
{
    PfaField field;
    FieldValue before;
    FieldValue after;

    friend bool operator==(const FieldChange&, const FieldChange&) = default;
};

// Fields whose values differ, in catalog order. A field missing on one side counts as null, so
// {} and {x: null} have no difference.
[[nodiscard]] std::vector<FieldChange> diffFields(const FieldMap& before, const FieldMap& after);

// The record after a delta: every field in the delta replaces the base's value. A null in the
// delta is kept as an explicit null (the field is cleared) rather than erased, so the result
// still says that the field was cleared.
[[nodiscard]] FieldMap applyDelta(FieldMap base, const FieldMap& delta);

// Just the fields of diffFields(), e.g. for pfa_mirror_history.changed_fields.
[[nodiscard]] std::vector<PfaField> changedFields(const FieldMap& before, const FieldMap& after);

} // namespace pfa::model
