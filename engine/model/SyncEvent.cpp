#include "model/SyncEvent.h"

#include "model/JsonReader.h"
#include "model/JsonWrite.h"

using namespace Qt::StringLiterals;

namespace pfa::model {

nlohmann::json toJson(const SyncEvent& value)
{
    return {
        {"type", jsonOf(value.type)},       {"organizationId", jsonOf(value.organizationId)},
        {"pfaId", jsonOf(value.pfaId)},     {"modificationId", jsonOf(value.modificationId)},
        {"queueId", jsonOf(value.queueId)}, {"conflictId", jsonOf(value.conflictId)},
        {"jobId", jsonOf(value.jobId)},     {"status", jsonOf(value.status)},
        {"at", jsonOf(value.at)},
    };
}

Expected<SyncEvent> syncEventFromJson(const nlohmann::json& json)
{
    JsonReader reader(json, u"SyncEvent"_s);
    SyncEvent out;
    reader.read("type", out.type);
    reader.read("organizationId", out.organizationId);
    reader.read("pfaId", out.pfaId);
    reader.read("modificationId", out.modificationId);
    reader.read("queueId", out.queueId);
    reader.read("conflictId", out.conflictId);
    reader.read("jobId", out.jobId);
    reader.read("status", out.status);
    reader.read("at", out.at);
    return reader.finish(std::move(out));
}

} // namespace pfa::model
