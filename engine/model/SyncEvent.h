#pragma once

#include "model/Error.h"
#include "model/EventType.h"

#include <QDateTime>
#include <QString>
#include <QtGlobal>

#include <nlohmann/json.hpp>

#include <optional>

namespace pfa::model {

// The NOTIFY pfa_sync_events payload (DESIGN "Events"); every key is always written, absent ids as
// null.
struct SyncEvent
{
    EventType type = EventType::SyncQueued;
    qint64 organizationId = 0;
    QString pfaId;
    std::optional<qint64> modificationId;
    std::optional<qint64> queueId;
    std::optional<qint64> conflictId;
    std::optional<qint64> jobId;
    QString status; // the new state, by wire name
    QDateTime at;

    friend bool operator==(const SyncEvent&, const SyncEvent&) = default;
};

[[nodiscard]] nlohmann::json toJson(const SyncEvent& value);
[[nodiscard]] Expected<SyncEvent> syncEventFromJson(const nlohmann::json& json);

} // namespace pfa::model
