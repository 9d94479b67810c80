#include "model/Modification.h"

#include "model/JsonReader.h"
#include "model/JsonWrite.h"

using namespace Qt::StringLiterals;

namespace pfa::model {

nlohmann::json toJson(const Modification& value)
{
    return {
        {"id", jsonOf(value.id)},
        {"organizationId", jsonOf(value.organizationId)},
        {"pfaId", jsonOf(value.pfaId)},
        {"userId", jsonOf(value.userId)},
        {"operation", jsonOf(value.operation)},
        {"baseVersion", jsonOf(value.baseVersion)},
        {"delta", jsonOf(value.delta)},
        {"changeReason", jsonOf(value.changeReason)},
        {"status", jsonOf(value.status)},
        {"syncedAt", jsonOf(value.syncedAt)},
        {"syncError", jsonOf(value.syncError)},
        {"pemsVersion", jsonOf(value.pemsVersion)},
        {"jobId", jsonOf(value.jobId)},
        {"rollbackOfVersion", jsonOf(value.rollbackOfVersion)},
        {"createdAt", jsonOf(value.createdAt)},
        {"updatedAt", jsonOf(value.updatedAt)},
    };
}

Expected<Modification> modificationFromJson(const nlohmann::json& json)
{
    JsonReader reader(json, u"Modification"_s);
    Modification out;
    reader.read("id", out.id);
    reader.read("organizationId", out.organizationId);
    reader.read("pfaId", out.pfaId);
    reader.read("userId", out.userId);
    reader.read("operation", out.operation);
    reader.read("baseVersion", out.baseVersion);
    reader.read("delta", out.delta);
    reader.read("changeReason", out.changeReason);
    reader.read("status", out.status);
    reader.read("syncedAt", out.syncedAt);
    reader.read("syncError", out.syncError);
    reader.read("pemsVersion", out.pemsVersion);
    reader.read("jobId", out.jobId);
    reader.read("rollbackOfVersion", out.rollbackOfVersion);
    reader.read("createdAt", out.createdAt);
    reader.read("updatedAt", out.updatedAt);
    return reader.finish(std::move(out));
}

} // namespace pfa::model
