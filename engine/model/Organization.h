#pragma once

#include "model/Error.h"

#include <QString>
#include <QtGlobal>

#include <nlohmann/json.hpp>

namespace pfa::model {

// A customer organization (organization table); code is what PEMS calls it.
struct Organization
{
    qint64 id = 0;
    QString code;
    QString name;

    friend bool operator==(const Organization&, const Organization&) = default;
};

[[nodiscard]] nlohmann::json toJson(const Organization& value);
[[nodiscard]] Expected<Organization> organizationFromJson(const nlohmann::json& json);

} // namespace pfa::model
