#include "sync/Authorization.h"

#include "db/UserRepository.h"

#include <algorithm>

using namespace Qt::StringLiterals;

namespace pfa::sync {

Expected<model::User> authorize(const QSqlDatabase& db, qint64 userId, qint64 organizationId,
                                OrganizationRight right)
{
    db::UserRepository users(db);
    auto user = users.findById(userId);
    if (!user)
        return user;
    if (!user->active)
        return fail(ErrorCode::Forbidden, u"user %1 is deactivated"_s.arg(user->email));
    // Administrators may act in every organization, as the service's token check grants them.
    if (user->isAdmin)
        return user;
    auto permissions = users.permissions(userId);
    if (!permissions)
        return std::unexpected(permissions.error());
    const bool allowed = std::ranges::any_of(*permissions, [&](const auto& permission) {
        return permission.organizationId == organizationId &&
               (right == OrganizationRight::Sync ? permission.permSync : permission.permResolve);
    });
    if (!allowed) {
        const QString what = right == OrganizationRight::Sync
                                 ? u"may not retry or discard changes of this organization "
                                   "(perm_sync)"_s
                                 : u"may not resolve conflicts of this organization "
                                   "(perm_resolve)"_s;
        return fail(ErrorCode::Forbidden, user->email + u" "_s + what);
    }
    return user;
}

Expected<model::User> authorizeAdmin(const QSqlDatabase& db, qint64 userId, const QString& what)
{
    auto user = db::UserRepository(db).findById(userId);
    if (!user)
        return user;
    if (!user->active)
        return fail(ErrorCode::Forbidden, u"user %1 is deactivated"_s.arg(user->email));
    if (!user->isAdmin)
        return fail(ErrorCode::Forbidden,
                    u"%1 may not %2: administrators only (is_admin)"_s.arg(user->email, what));
    return user;
}

} // namespace pfa::sync
