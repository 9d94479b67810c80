#pragma once

#include "ChangeMeta.h"

#include "model/FieldValue.h"

#include <utility>
#include <vector>

namespace pfa::sim {

// One version of a record, as a compact delta: only the fields whose value changed, with their
// new values. changedMask has bit (1 << PfaField) set for each of them, so that the fields changed
// after some version are an OR over a few integers.
struct SimHistoryEntry
{
    qint64 version = 0;
    qint64 updatedAtMs = 0;
    quint32 changedMask = 0;
    bool deleted = false;
    ChangeSource source = ChangeSource::Api;
    std::vector<std::pair<model::PfaField, model::FieldValue>> changes;
    QString modifiedBy;
    QString changeReason;
};

[[nodiscard]] constexpr quint32 fieldBit(model::PfaField field)
{
    return quint32{1} << static_cast<unsigned>(field);
}

} // namespace pfa::sim
