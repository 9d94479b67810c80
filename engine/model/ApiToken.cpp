#include "model/ApiToken.h"

#include "model/JsonWrite.h"

namespace pfa::model {

nlohmann::json toJson(const ApiToken& value)
{
    return {{"id", value.id},
            {"userId", value.userId},
            {"name", jsonOf(value.name)},
            {"createdAt", jsonOf(value.createdAt)},
            {"lastUsedAt", jsonOf(value.lastUsedAt)},
            {"expiresAt", jsonOf(value.expiresAt)},
            {"revokedAt", jsonOf(value.revokedAt)}};
}

} // namespace pfa::model
