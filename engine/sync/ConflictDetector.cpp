#include "sync/ConflictDetector.h"

#include "model/FieldDiff.h"

#include <algorithm>

namespace pfa::sync {

namespace {

// History rows may list a field twice (several versions) and in any order; the verdict promises
// catalog order without duplicates.
std::vector<model::PfaField> inCatalogOrder(std::vector<model::PfaField> fields)
{
    std::ranges::sort(fields);
    const auto [first, last] = std::ranges::unique(fields);
    fields.erase(first, last);
    return fields;
}

} // namespace

ConflictVerdict ConflictDetector::check(const ConflictInput& input)
{
    ConflictVerdict verdict;
    verdict.pemsChanged = input.baseKnown ? model::changedFields(input.base, input.current)
                                          : inCatalogOrder(input.changedSinceBase);

    // FieldMap is keyed in catalog order, so both lists come out in catalog order too.
    for (const auto& [field, localValue] : input.localDelta) {
        if (!std::ranges::binary_search(verdict.pemsChanged, field))
            continue;
        // FieldValue equality is exact: Money compares units, QDateTime compares instants, and a
        // missing key in `current` is null like an explicit null in the delta.
        if (model::valueOf(input.current, field) == localValue)
            verdict.identical.push_back(field);
        else
            verdict.conflicting.push_back(field);
    }
    verdict.kind = verdict.conflicting.empty() ? ConflictVerdict::Kind::Rebase
                                               : ConflictVerdict::Kind::Conflict;
    return verdict;
}

} // namespace pfa::sync
