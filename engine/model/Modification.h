#pragma once

#include "model/Error.h"
#include "model/FieldValue.h"
#include "model/Operation.h"
#include "model/SyncStatus.h"

#include <QDateTime>
#include <QString>
#include <QtGlobal>

#include <nlohmann/json.hpp>

#include <optional>

namespace pfa::model {

// A local change to one record (pfa_modification table).
struct Modification
{
    qint64 id = 0;
    qint64 organizationId = 0;
    QString pfaId;
    qint64 userId = 0;
    Operation operation = Operation::Update;
    qint64 baseVersion = 0; // the mirror version the user edited
    FieldMap delta;         // only the fields this change sets
    QString changeReason;
    SyncStatus status = SyncStatus::Draft;
    std::optional<QDateTime> syncedAt;
    QString syncError;
    std::optional<qint64> pemsVersion; // the version PEMS answered with
    std::optional<qint64> jobId;
    std::optional<qint64> rollbackOfVersion; // set when this change restores an old version
    QDateTime createdAt;
    QDateTime updatedAt;

    friend bool operator==(const Modification&, const Modification&) = default;
};

[[nodiscard]] nlohmann::json toJson(const Modification& value);
[[nodiscard]] Expected<Modification> modificationFromJson(const nlohmann::json& json);

} // namespace pfa::model
