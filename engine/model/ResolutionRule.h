#pragma once

#include "model/PfaField.h"
#include "model/Resolution.h"

#include <QDateTime>
#include <QString>
#include <QtGlobal>

#include <optional>

namespace pfa::model {

// "Use PEMS for every unresolved conflict on field X in organization Y": which conflicts a bulk
// resolution by rule decides, and how. Every filter that is set must hold.
struct ResolutionRule
{
    qint64 organizationId = 0;
    std::optional<PfaField> field;             // must be among the conflict's conflicting fields
    QString pfaIdPrefix;                       // empty: any record
    std::optional<QDateTime> raisedBefore;     // conflicts created before this instant
    Resolution strategy = Resolution::UsePems; // use_local or use_pems (merge is per conflict)
};

} // namespace pfa::model
