#pragma once

#include "SimHistoryEntry.h"

#include "model/FieldValue.h"

#include <QString>

#include <vector>

namespace pfa::sim {

// One PFA record as PEMS holds it. history[i] is version i + 1, so version == history.size().
// A deleted record stays as a tombstone (its data kept for the history) so that the list endpoint
// can report the deletion and a late write gets 404 rather than recreating it.
struct SimRecord
{
    QString organizationCode;
    QString pfaId;
    model::FieldMap data;
    qint64 version = 0;
    qint64 updatedAtMs = 0;
    quint64 sequence = 0; // the store's change sequence number of the last change
    bool deleted = false;
    std::vector<SimHistoryEntry> history;
};

} // namespace pfa::sim
