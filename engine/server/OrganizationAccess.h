#pragma once

#include "model/Error.h"
#include "server/Principal.h"
#include "sync/Authorization.h"

namespace pfa::server {

// The caller's standing in one organization for an action. An organization the caller does not
// belong to answers exactly as one that does not exist (NotFound), so ids cannot be probed; a
// member without the right gets Forbidden naming the permission.
[[nodiscard]] Expected<model::OrganizationPermission>
requireOrganization(const Principal& caller, qint64 organizationId,
                    std::optional<sync::OrganizationRight> right);

} // namespace pfa::server
