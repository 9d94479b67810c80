#pragma once

#include "model/FieldValue.h"

#include <QString>
#include <QtGlobal>

namespace pfa::pems {

// A PUT: apply `changes` on top of `version` (optimistic locking).
struct UpdateRequest
{
    QString pfaId;
    QString organizationCode;
    model::FieldMap changes;
    qint64 version = 0; // the base version the changes were made against
    QString modifiedBy;
    QString changeReason;
};

} // namespace pfa::pems
