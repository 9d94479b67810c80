#pragma once

#include "model/Error.h"

#include <QDateTime>
#include <QString>
#include <QtGlobal>

#include <nlohmann/json.hpp>

#include <optional>

namespace pfa::model {

// One try at sending a queue item (pfa_sync_attempt table).
struct SyncAttempt
{
    qint64 queueId = 0;
    int attempt = 0; // 1 for the first try
    QDateTime startedAt;
    std::optional<QDateTime> finishedAt;
    std::optional<int> httpStatus; // none when no response arrived
    QString outcome;
    QString error;
    std::optional<qint64> durationMs;

    friend bool operator==(const SyncAttempt&, const SyncAttempt&) = default;
};

[[nodiscard]] nlohmann::json toJson(const SyncAttempt& value);
[[nodiscard]] Expected<SyncAttempt> syncAttemptFromJson(const nlohmann::json& json);

} // namespace pfa::model
