#include "server/OrganizationAccess.h"

using namespace Qt::StringLiterals;

namespace pfa::server {

Expected<model::OrganizationPermission>
requireOrganization(const Principal& caller, qint64 organizationId,
                    std::optional<sync::OrganizationRight> right)
{
    const auto permission = caller.in(organizationId);
    if (!permission)
        return fail(ErrorCode::NotFound, u"organization %1 does not exist"_s.arg(organizationId),
                    u"organizationId"_s);
    if (right == sync::OrganizationRight::Sync && !permission->permSync)
        return fail(ErrorCode::Forbidden,
                    u"you lack perm_sync in organization %1: syncing changes needs it"_s.arg(
                        organizationId));
    if (right == sync::OrganizationRight::Resolve && !permission->permResolve)
        return fail(ErrorCode::Forbidden,
                    u"you lack perm_resolve in organization %1: resolving conflicts needs it"_s.arg(
                        organizationId));
    return *permission;
}

} // namespace pfa::server
