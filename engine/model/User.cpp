#include "model/User.h"

#include "model/JsonReader.h"
#include "model/JsonWrite.h"

using namespace Qt::StringLiterals;

namespace pfa::model {

nlohmann::json toJson(const User& value)
{
    return {
        {"id", jsonOf(value.id)},
        {"email", jsonOf(value.email)},
        {"displayName", jsonOf(value.displayName)},
        {"dbRole", jsonOf(value.dbRole)},
        {"isAdmin", jsonOf(value.isAdmin)},
        {"active", jsonOf(value.active)},
    };
}

Expected<User> userFromJson(const nlohmann::json& json)
{
    JsonReader reader(json, u"User"_s);
    User out;
    reader.read("id", out.id);
    reader.read("email", out.email);
    reader.read("displayName", out.displayName);
    reader.read("dbRole", out.dbRole);
    reader.read("isAdmin", out.isAdmin);
    reader.read("active", out.active);
    return reader.finish(std::move(out));
}

} // namespace pfa::model
