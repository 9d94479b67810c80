#include "model/SyncJob.h"

#include "model/JsonReader.h"
#include "model/JsonWrite.h"

using namespace Qt::StringLiterals;

namespace pfa::model {

nlohmann::json toJson(const SyncJob& value)
{
    return {
        {"id", jsonOf(value.id)},
        {"organizationId", jsonOf(value.organizationId)},
        {"trigger", jsonOf(value.trigger)},
        {"requestedBy", jsonOf(value.requestedBy)},
        {"createdAt", jsonOf(value.createdAt)},
        {"finishedAt", jsonOf(value.finishedAt)},
    };
}

Expected<SyncJob> syncJobFromJson(const nlohmann::json& json)
{
    JsonReader reader(json, u"SyncJob"_s);
    SyncJob out;
    reader.read("id", out.id);
    reader.read("organizationId", out.organizationId);
    reader.read("trigger", out.trigger);
    reader.read("requestedBy", out.requestedBy);
    reader.read("createdAt", out.createdAt);
    reader.read("finishedAt", out.finishedAt);
    return reader.finish(std::move(out));
}

} // namespace pfa::model
