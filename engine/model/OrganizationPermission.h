#pragma once

#include "model/Error.h"

#include <QtGlobal>

#include <nlohmann/json.hpp>

namespace pfa::model {

// What one user may do in one organization (user_organization table).
struct OrganizationPermission
{
    qint64 organizationId = 0;
    bool permSync = false;    // may commit and queue changes
    bool permResolve = false; // may resolve conflicts

    friend bool operator==(const OrganizationPermission&, const OrganizationPermission&) = default;
};

[[nodiscard]] nlohmann::json toJson(const OrganizationPermission& value);
[[nodiscard]] Expected<OrganizationPermission>
organizationPermissionFromJson(const nlohmann::json& json);

} // namespace pfa::model
