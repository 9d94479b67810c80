#include "model/MirrorRecord.h"

#include "model/JsonReader.h"
#include "model/JsonWrite.h"

using namespace Qt::StringLiterals;

namespace pfa::model {

nlohmann::json toJson(const MirrorRecord& value)
{
    return {
        {"id", jsonOf(value.id)},
        {"organizationId", jsonOf(value.organizationId)},
        {"pfaId", jsonOf(value.pfaId)},
        {"version", jsonOf(value.version)},
        {"data", jsonOf(value.data)},
        {"pemsUpdatedAt", jsonOf(value.pemsUpdatedAt)},
        {"pulledAt", jsonOf(value.pulledAt)},
    };
}

Expected<MirrorRecord> mirrorRecordFromJson(const nlohmann::json& json)
{
    JsonReader reader(json, u"MirrorRecord"_s);
    MirrorRecord out;
    reader.read("id", out.id);
    reader.read("organizationId", out.organizationId);
    reader.read("pfaId", out.pfaId);
    reader.read("version", out.version);
    reader.read("data", out.data);
    reader.read("pemsUpdatedAt", out.pemsUpdatedAt);
    reader.read("pulledAt", out.pulledAt);
    return reader.finish(std::move(out));
}

} // namespace pfa::model
