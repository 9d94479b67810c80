#include "model/Organization.h"

#include "model/JsonReader.h"
#include "model/JsonWrite.h"

using namespace Qt::StringLiterals;

namespace pfa::model {

nlohmann::json toJson(const Organization& value)
{
    return {
        {"id", jsonOf(value.id)},
        {"code", jsonOf(value.code)},
        {"name", jsonOf(value.name)},
    };
}

Expected<Organization> organizationFromJson(const nlohmann::json& json)
{
    JsonReader reader(json, u"Organization"_s);
    Organization out;
    reader.read("id", out.id);
    reader.read("code", out.code);
    reader.read("name", out.name);
    return reader.finish(std::move(out));
}

} // namespace pfa::model
