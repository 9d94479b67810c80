#include "model/QueueItem.h"

#include "model/JsonReader.h"
#include "model/JsonWrite.h"

using namespace Qt::StringLiterals;

namespace pfa::model {

nlohmann::json toJson(const QueueItem& value)
{
    return {
        {"id", jsonOf(value.id)},
        {"modificationId", jsonOf(value.modificationId)},
        {"organizationId", jsonOf(value.organizationId)},
        {"pfaId", jsonOf(value.pfaId)},
        {"operation", jsonOf(value.operation)},
        {"payload", jsonOf(value.payload)},
        {"status", jsonOf(value.status)},
        {"priority", jsonOf(value.priority)},
        {"retryCount", jsonOf(value.retryCount)},
        {"maxRetries", jsonOf(value.maxRetries)},
        {"lastAttemptAt", jsonOf(value.lastAttemptAt)},
        {"lastError", jsonOf(value.lastError)},
        {"failureClass", jsonOf(value.failureClass)},
        {"scheduledAt", jsonOf(value.scheduledAt)},
        {"completedAt", jsonOf(value.completedAt)},
        {"createdAt", jsonOf(value.createdAt)},
        {"jobId", jsonOf(value.jobId)},
        {"idempotencyKey", jsonOf(value.idempotencyKey)},
        {"lockedBy", jsonOf(value.lockedBy)},
        {"lockedUntil", jsonOf(value.lockedUntil)},
    };
}

Expected<QueueItem> queueItemFromJson(const nlohmann::json& json)
{
    JsonReader reader(json, u"QueueItem"_s);
    QueueItem out;
    reader.read("id", out.id);
    reader.read("modificationId", out.modificationId);
    reader.read("organizationId", out.organizationId);
    reader.read("pfaId", out.pfaId);
    reader.read("operation", out.operation);
    reader.read("payload", out.payload);
    reader.read("status", out.status);
    reader.read("priority", out.priority);
    reader.read("retryCount", out.retryCount);
    reader.read("maxRetries", out.maxRetries);
    reader.read("lastAttemptAt", out.lastAttemptAt);
    reader.read("lastError", out.lastError);
    reader.read("failureClass", out.failureClass);
    reader.read("scheduledAt", out.scheduledAt);
    reader.read("completedAt", out.completedAt);
    reader.read("createdAt", out.createdAt);
    reader.read("jobId", out.jobId);
    reader.read("idempotencyKey", out.idempotencyKey);
    reader.read("lockedBy", out.lockedBy);
    reader.read("lockedUntil", out.lockedUntil);
    return reader.finish(std::move(out));
}

} // namespace pfa::model
