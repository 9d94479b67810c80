#include "model/OrganizationPermission.h"

#include "model/JsonReader.h"
#include "model/JsonWrite.h"

using namespace Qt::StringLiterals;

namespace pfa::model {

nlohmann::json toJson(const OrganizationPermission& value)
{
    return {
        {"organizationId", jsonOf(value.organizationId)},
        {"permSync", jsonOf(value.permSync)},
        {"permResolve", jsonOf(value.permResolve)},
    };
}

Expected<OrganizationPermission> organizationPermissionFromJson(const nlohmann::json& json)
{
    JsonReader reader(json, u"OrganizationPermission"_s);
    OrganizationPermission out;
    reader.read("organizationId", out.organizationId);
    reader.read("permSync", out.permSync);
    reader.read("permResolve", out.permResolve);
    return reader.finish(std::move(out));
}

} // namespace pfa::model
