#pragma once

#include "model/FieldDiff.h"
#include "model/Resolution.h"

#include <QString>
#include <QtGlobal>

#include <nlohmann/json.hpp>

#include <vector>

namespace pfa::model {

// What resolving one conflict does (BulkResolver's preview and its result): the change that goes
// to PEMS (empty: the local change is discarded, nothing is sent) and, per conflicting field,
// PEMS' value now and the value PEMS holds once the resolution is through.
struct PlannedResolution
{
    qint64 conflictId = 0;
    qint64 modificationId = 0;
    qint64 organizationId = 0;
    QString pfaId;
    Resolution strategy = Resolution::UsePems;
    FieldMap sent;                   // empty for use_pems
    std::vector<FieldChange> fields; // conflicting fields: before = PEMS' value, after = outcome

    friend bool operator==(const PlannedResolution&, const PlannedResolution&) = default;
};

[[nodiscard]] nlohmann::json toJson(const PlannedResolution& value);

} // namespace pfa::model
