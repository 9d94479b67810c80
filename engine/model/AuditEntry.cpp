#include "model/AuditEntry.h"

#include "model/JsonReader.h"
#include "model/JsonWrite.h"

using namespace Qt::StringLiterals;

namespace pfa::model {

nlohmann::json toJson(const AuditEntry& value)
{
    return {
        {"id", jsonOf(value.id)},
        {"at", jsonOf(value.at)},
        {"actor", jsonOf(value.actor)},
        {"action", jsonOf(value.action)},
        {"organizationId", jsonOf(value.organizationId)},
        {"entity", jsonOf(value.entity)},
        {"entityId", jsonOf(value.entityId)},
        {"before", jsonOf(value.before)},
        {"after", jsonOf(value.after)},
        {"details", jsonOf(value.details)},
    };
}

Expected<AuditEntry> auditEntryFromJson(const nlohmann::json& json)
{
    JsonReader reader(json, u"AuditEntry"_s);
    AuditEntry out;
    reader.read("id", out.id);
    reader.read("at", out.at);
    reader.read("actor", out.actor);
    reader.read("action", out.action);
    reader.read("organizationId", out.organizationId);
    reader.read("entity", out.entity);
    reader.read("entityId", out.entityId);
    reader.read("before", out.before);
    reader.read("after", out.after);
    reader.read("details", out.details);
    return reader.finish(std::move(out));
}

} // namespace pfa::model
