#pragma once

#include "model/Error.h"
#include "model/User.h"

#include <QSqlDatabase>

namespace pfa::sync {

// What a user must be allowed in an organization (user_organization) for an engine action.
enum class OrganizationRight
{
    Sync,    // perm_sync: commit changes, retry and discard dead letters
    Resolve, // perm_resolve: resolve conflicts
};

// The acting user when active and holding `right` in `organizationId`; Forbidden (naming the
// permission) otherwise. Every engine action that changes sync state on a user's behalf asks.
[[nodiscard]] Expected<model::User> authorize(const QSqlDatabase& db, qint64 userId,
                                              qint64 organizationId, OrganizationRight right);

// The acting user when active and an administrator (app_user.is_admin); Forbidden otherwise,
// saying which of the two is missing and `what` the user tried. Rollback is admin only.
[[nodiscard]] Expected<model::User> authorizeAdmin(const QSqlDatabase& db, qint64 userId,
                                                   const QString& what);

} // namespace pfa::sync
