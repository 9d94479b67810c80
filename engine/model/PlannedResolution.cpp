#include "model/PlannedResolution.h"

namespace pfa::model {

nlohmann::json toJson(const PlannedResolution& value)
{
    nlohmann::json fields = nlohmann::json::array();
    for (const FieldChange& change : value.fields)
        fields.push_back({{"field", wireName(change.field).toStdString()},
                          {"pems", fieldValueToJson(change.before)},
                          {"outcome", fieldValueToJson(change.after)}});
    return {{"conflictId", value.conflictId},
            {"modificationId", value.modificationId},
            {"organizationId", value.organizationId},
            {"pfaId", value.pfaId.toStdString()},
            {"strategy", toWire(value.strategy).toStdString()},
            {"sent", fieldMapToJson(value.sent)},
            {"fields", fields}};
}

} // namespace pfa::model
