#pragma once

#include "model/ValidationIssue.h"

#include <QString>

#include <vector>

namespace pfa::sim {

// What a write to the store did. Not an error type: a conflict or a validation failure is a
// normal answer of PEMS, carried to the client as data.
struct WriteOutcome
{
    enum class Kind
    {
        Applied,
        NotFound,
        Conflict,
        Invalid,
    };

    Kind kind = Kind::Applied;
    QString pfaId;
    qint64 version = 0; // Applied: the new version; Conflict: the current one
    qint64 updatedAtMs = 0;
    bool deleted = false;
    qint64 expectedVersion = 0;                 // Conflict
    quint32 conflictMask = 0;                   // Conflict: fields changed after expectedVersion
    std::vector<model::ValidationIssue> issues; // Invalid
};

} // namespace pfa::sim
