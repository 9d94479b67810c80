#pragma once

#include <QString>
#include <QtGlobal>

namespace pfa::pems {

// A DELETE of `version` of a record. The JSON dialect sends organizationCode and version only;
// modifiedBy and changeReason are for dialects whose wire format carries them.
struct RemoveRequest
{
    QString pfaId;
    QString organizationCode;
    qint64 version = 0;
    QString modifiedBy;
    QString changeReason;
};

} // namespace pfa::pems
