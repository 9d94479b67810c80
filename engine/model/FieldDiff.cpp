#include "model/FieldDiff.h"

namespace pfa::model {

std::vector<FieldChange> diffFields(const FieldMap& before, const FieldMap& after)
{
    // Walk the catalog rather than merging the two maps: it is short and already in order.
    std::vector<FieldChange> changes;
    for (const FieldSpec& spec : allFieldSpecs()) {
        FieldValue b = valueOf(before, spec.field);
        FieldValue a = valueOf(after, spec.field);
        if (b != a)
            changes.push_back({spec.field, std::move(b), std::move(a)});
    }
    return changes;
}

FieldMap applyDelta(FieldMap base, const FieldMap& delta)
{
    for (const auto& [field, value] : delta)
        base.insert_or_assign(field, value);
    return base;
}

std::vector<PfaField> changedFields(const FieldMap& before, const FieldMap& after)
{
    std::vector<PfaField> fields;
    for (const FieldChange& change : diffFields(before, after))
        fields.push_back(change.field);
    return fields;
}

} // namespace pfa::model
