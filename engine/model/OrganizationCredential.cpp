#include "model/OrganizationCredential.h"

#include "model/JsonWrite.h"

namespace pfa::model {

nlohmann::json toJson(const OrganizationCredential& value)
{
    return {{"organizationId", value.organizationId},
            {"organization", jsonOf(value.organizationCode)},
            {"pemsUrl", jsonOf(value.pemsUrl)},
            {"keyId", jsonOf(value.keyId)},
            {"updatedAt", jsonOf(value.updatedAt)}};
}

} // namespace pfa::model
