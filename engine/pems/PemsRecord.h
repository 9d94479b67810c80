#pragma once

#include "model/FieldValue.h"

#include <QDateTime>
#include <QString>
#include <QStringList>
#include <QtGlobal>

namespace pfa::pems {

// One record as PEMS holds it (GET one, or an entry of a list page).
struct PemsRecord
{
    QString pfaId;
    QString organizationCode;
    qint64 version = 0;
    QDateTime updatedAt;  // UTC
    bool deleted = false; // a tombstone: data may be empty
    model::FieldMap data;
    // Keys of PEMS' data that our field catalog does not know: dropped from data, named here so
    // the read path can report them instead of failing the whole page.
    QStringList unknownFields;
};

} // namespace pfa::pems
