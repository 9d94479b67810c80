#include "model/Conflict.h"

#include "model/JsonReader.h"
#include "model/JsonWrite.h"

using namespace Qt::StringLiterals;

namespace pfa::model {

nlohmann::json toJson(const Conflict& value)
{
    return {
        {"id", jsonOf(value.id)},
        {"organizationId", jsonOf(value.organizationId)},
        {"pfaId", jsonOf(value.pfaId)},
        {"modificationId", jsonOf(value.modificationId)},
        {"localVersion", jsonOf(value.localVersion)},
        {"pemsVersion", jsonOf(value.pemsVersion)},
        {"baseData", jsonOf(value.baseData)},
        {"localData", jsonOf(value.localData)},
        {"pemsData", jsonOf(value.pemsData)},
        {"conflictFields", jsonOf(value.conflictFields)},
        {"status", jsonOf(value.status)},
        {"resolution", jsonOf(value.resolution)},
        {"mergedData", jsonOf(value.mergedData)},
        {"resolvedBy", jsonOf(value.resolvedBy)},
        {"resolvedAt", jsonOf(value.resolvedAt)},
        {"createdAt", jsonOf(value.createdAt)},
    };
}

Expected<Conflict> conflictFromJson(const nlohmann::json& json)
{
    JsonReader reader(json, u"Conflict"_s);
    Conflict out;
    reader.read("id", out.id);
    reader.read("organizationId", out.organizationId);
    reader.read("pfaId", out.pfaId);
    reader.read("modificationId", out.modificationId);
    reader.read("localVersion", out.localVersion);
    reader.read("pemsVersion", out.pemsVersion);
    reader.read("baseData", out.baseData);
    reader.read("localData", out.localData);
    reader.read("pemsData", out.pemsData);
    reader.read("conflictFields", out.conflictFields);
    reader.read("status", out.status);
    reader.read("resolution", out.resolution);
    reader.read("mergedData", out.mergedData);
    reader.read("resolvedBy", out.resolvedBy);
    reader.read("resolvedAt", out.resolvedAt);
    reader.read("createdAt", out.createdAt);
    return reader.finish(std::move(out));
}

} // namespace pfa::model
