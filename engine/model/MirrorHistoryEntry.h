#pragma once

#include "model/Error.h"
#include "model/FieldValue.h"
#include "model/HistorySource.h"
#include "model/PfaField.h"

#include <QDateTime>
#include <QString>
#include <QtGlobal>

#include <nlohmann/json.hpp>

#include <vector>

namespace pfa::model {

// One version the mirror has seen (pfa_mirror_history table).
struct MirrorHistoryEntry
{
    qint64 mirrorId = 0;
    qint64 version = 0;
    FieldMap data;
    std::vector<PfaField> changedFields; // what changed since the previous version
    HistorySource source = HistorySource::Pull;
    QString actor;
    QDateTime recordedAt;

    friend bool operator==(const MirrorHistoryEntry&, const MirrorHistoryEntry&) = default;
};

[[nodiscard]] nlohmann::json toJson(const MirrorHistoryEntry& value);
[[nodiscard]] Expected<MirrorHistoryEntry> mirrorHistoryEntryFromJson(const nlohmann::json& json);

} // namespace pfa::model
