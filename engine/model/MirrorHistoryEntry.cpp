#include "model/MirrorHistoryEntry.h"

#include "model/JsonReader.h"
#include "model/JsonWrite.h"

using namespace Qt::StringLiterals;

namespace pfa::model {

nlohmann::json toJson(const MirrorHistoryEntry& value)
{
    return {
        {"mirrorId", jsonOf(value.mirrorId)},
        {"version", jsonOf(value.version)},
        {"data", jsonOf(value.data)},
        {"changedFields", jsonOf(value.changedFields)},
        {"source", jsonOf(value.source)},
        {"actor", jsonOf(value.actor)},
        {"recordedAt", jsonOf(value.recordedAt)},
    };
}

Expected<MirrorHistoryEntry> mirrorHistoryEntryFromJson(const nlohmann::json& json)
{
    JsonReader reader(json, u"MirrorHistoryEntry"_s);
    MirrorHistoryEntry out;
    reader.read("mirrorId", out.mirrorId);
    reader.read("version", out.version);
    reader.read("data", out.data);
    reader.read("changedFields", out.changedFields);
    reader.read("source", out.source);
    reader.read("actor", out.actor);
    reader.read("recordedAt", out.recordedAt);
    return reader.finish(std::move(out));
}

} // namespace pfa::model
