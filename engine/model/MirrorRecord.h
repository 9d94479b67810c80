#pragma once

#include "model/Error.h"
#include "model/FieldValue.h"

#include <QDateTime>
#include <QString>
#include <QtGlobal>

#include <nlohmann/json.hpp>

#include <optional>

namespace pfa::model {

// The local copy of one PEMS record (pfa_mirror table).
struct MirrorRecord
{
    qint64 id = 0;
    qint64 organizationId = 0;
    QString pfaId;
    qint64 version = 0; // PEMS' version; the base for optimistic concurrency
    FieldMap data;
    std::optional<QDateTime> pemsUpdatedAt;
    QDateTime pulledAt;

    friend bool operator==(const MirrorRecord&, const MirrorRecord&) = default;
};

[[nodiscard]] nlohmann::json toJson(const MirrorRecord& value);
[[nodiscard]] Expected<MirrorRecord> mirrorRecordFromJson(const nlohmann::json& json);

} // namespace pfa::model
