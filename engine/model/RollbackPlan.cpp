#include "model/RollbackPlan.h"

namespace pfa::model {

nlohmann::json toJson(const RollbackPlan& value)
{
    nlohmann::json changes = nlohmann::json::array();
    for (const FieldChange& change : value.changes)
        changes.push_back({{"field", wireName(change.field).toStdString()},
                           {"from", fieldValueToJson(change.before)},
                           {"to", fieldValueToJson(change.after)}});
    return {{"organizationId", value.organizationId},
            {"pfaId", value.pfaId.toStdString()},
            {"fromVersion", value.fromVersion},
            {"toVersion", value.toVersion},
            {"changes", changes},
            {"changedSinceJob", value.changedSinceJob}};
}

} // namespace pfa::model
