#pragma once

#include "model/Error.h"
#include "model/FieldValue.h"
#include "model/ValidationIssue.h"

#include <vector>

namespace pfa::model {

// The business rules of a PFA record (DESIGN "PFA record fields"), checked before a change is
// queued and again before it is sent. Rule ids: type, required, immutable, maxLength, enum,
// controlChars, dateOrder, rentalRate, purchasePrice, nonNegative.
class Validator
{
public:
    // Every issue of a whole record, in catalog order of the field checked first.
    [[nodiscard]] static std::vector<ValidationIssue> validateRecord(const FieldMap& record);

    // Issues of the record that sending this delta would produce: "immutable" for a changed key,
    // then everything validateRecord(applyDelta(base, delta)) finds. That includes issues the
    // base already had and the delta leaves alone, on purpose: PEMS receives the whole record,
    // and a record must be valid before it is sent, whoever broke it.
    [[nodiscard]] static std::vector<ValidationIssue> validateDelta(const FieldMap& base,
                                                                    const FieldMap& delta);

    // The first issue as Error{Validation, message, wire name}, for callers that only need a
    // yes/no with a reason.
    [[nodiscard]] static Expected<void> check(const FieldMap& record);
    [[nodiscard]] static Expected<void> check(const FieldMap& base, const FieldMap& delta);
};

} // namespace pfa::model
