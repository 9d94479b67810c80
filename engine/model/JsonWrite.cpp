#include "model/JsonWrite.h"

#include "model/IsoDateTime.h"

namespace pfa::model {

nlohmann::json jsonOf(const QDateTime& value)
{
    // An invalid timestamp becomes null, which JsonReader refuses for a required member: the
    // mistake surfaces at the reader rather than as a made-up date.
    return value.isValid() ? nlohmann::json(toIsoUtc(value).toStdString()) : nlohmann::json();
}

nlohmann::json jsonOf(const FieldMap& value)
{
    return fieldMapToJson(value);
}

nlohmann::json jsonOf(const std::vector<PfaField>& value)
{
    nlohmann::json out = nlohmann::json::array();
    for (PfaField field : value)
        out.push_back(std::string(fieldSpec(field).wireName));
    return out;
}

} // namespace pfa::model
