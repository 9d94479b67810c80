#pragma once

#include "model/ConflictStatus.h"
#include "model/Error.h"
#include "model/FieldValue.h"
#include "model/PfaField.h"
#include "model/Resolution.h"

#include <QDateTime>
#include <QString>
#include <QtGlobal>

#include <nlohmann/json.hpp>

#include <optional>
#include <vector>

namespace pfa::model {

// A local change that overlaps a PEMS change (pfa_sync_conflict table).
struct Conflict
{
    qint64 id = 0;
    qint64 organizationId = 0;
    QString pfaId;
    qint64 modificationId = 0;
    qint64 localVersion = 0;
    qint64 pemsVersion = 0;
    FieldMap baseData; // values at the modification's base version
    FieldMap localData;
    FieldMap pemsData;
    std::vector<PfaField> conflictFields;
    ConflictStatus status = ConflictStatus::Unresolved;
    std::optional<Resolution> resolution;
    std::optional<FieldMap> mergedData; // only for Resolution::Merge
    std::optional<qint64> resolvedBy;
    std::optional<QDateTime> resolvedAt;
    QDateTime createdAt;

    friend bool operator==(const Conflict&, const Conflict&) = default;
};

[[nodiscard]] nlohmann::json toJson(const Conflict& value);
[[nodiscard]] Expected<Conflict> conflictFromJson(const nlohmann::json& json);

} // namespace pfa::model
