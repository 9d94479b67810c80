#pragma once

#include <QString>

namespace pfa::pems {

// Names one PEMS record (GET one).
struct RecordKey
{
    QString pfaId;
    QString organizationCode;
};

} // namespace pfa::pems
