#pragma once

#include "model/OrganizationPermission.h"
#include "model/User.h"

#include <optional>
#include <vector>

namespace pfa::server {

// Who a request speaks for: the token's user and what that user may do per organization.
struct Principal
{
    qint64 tokenId = 0;
    model::User user;
    std::vector<model::OrganizationPermission> permissions;

    [[nodiscard]] std::optional<model::OrganizationPermission> in(qint64 organizationId) const
    {
        for (const auto& permission : permissions) {
            if (permission.organizationId == organizationId)
                return permission;
        }
        return std::nullopt;
    }
    [[nodiscard]] bool belongsTo(qint64 organizationId) const
    {
        return in(organizationId).has_value();
    }
};

} // namespace pfa::server
