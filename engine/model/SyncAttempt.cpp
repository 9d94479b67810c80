#include "model/SyncAttempt.h"

#include "model/JsonReader.h"
#include "model/JsonWrite.h"

using namespace Qt::StringLiterals;

namespace pfa::model {

nlohmann::json toJson(const SyncAttempt& value)
{
    return {
        {"queueId", jsonOf(value.queueId)},       {"attempt", jsonOf(value.attempt)},
        {"startedAt", jsonOf(value.startedAt)},   {"finishedAt", jsonOf(value.finishedAt)},
        {"httpStatus", jsonOf(value.httpStatus)}, {"outcome", jsonOf(value.outcome)},
        {"error", jsonOf(value.error)},           {"durationMs", jsonOf(value.durationMs)},
    };
}

Expected<SyncAttempt> syncAttemptFromJson(const nlohmann::json& json)
{
    JsonReader reader(json, u"SyncAttempt"_s);
    SyncAttempt out;
    reader.read("queueId", out.queueId);
    reader.read("attempt", out.attempt);
    reader.read("startedAt", out.startedAt);
    reader.read("finishedAt", out.finishedAt);
    reader.read("httpStatus", out.httpStatus);
    reader.read("outcome", out.outcome);
    reader.read("error", out.error);
    reader.read("durationMs", out.durationMs);
    return reader.finish(std::move(out));
}

} // namespace pfa::model
