#pragma once

#include "model/Error.h"
#include "model/FailureClass.h"
#include "model/Operation.h"
#include "model/QueueStatus.h"

#include <QDateTime>
#include <QString>
#include <QtGlobal>

#include <nlohmann/json.hpp>

#include <optional>

namespace pfa::model {

// One pending write to PEMS (pfa_write_queue table).
struct QueueItem
{
    qint64 id = 0;
    qint64 modificationId = 0;
    qint64 organizationId = 0;
    QString pfaId;
    Operation operation = Operation::Update;
    nlohmann::json payload; // the request body as sent
    QueueStatus status = QueueStatus::Pending;
    int priority = 0; // higher first
    int retryCount = 0;
    int maxRetries = 0;
    std::optional<QDateTime> lastAttemptAt;
    QString lastError;
    std::optional<FailureClass> failureClass;
    QDateTime scheduledAt;
    std::optional<QDateTime> completedAt;
    QDateTime createdAt;
    std::optional<qint64> jobId;
    QString idempotencyKey; // uuid text; the same for every attempt of this item
    QString lockedBy;       // worker holding the lease; empty when free
    std::optional<QDateTime> lockedUntil;

    friend bool operator==(const QueueItem&, const QueueItem&) = default;
};

[[nodiscard]] nlohmann::json toJson(const QueueItem& value);
[[nodiscard]] Expected<QueueItem> queueItemFromJson(const nlohmann::json& json);

} // namespace pfa::model
