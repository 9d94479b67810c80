#include "db/UserRepository.h"

#include "db/AuditRepository.h"
#include "db/Sql.h"
#include "db/Transaction.h"

using namespace Qt::StringLiterals;

namespace pfa::db {

UserRepository::UserRepository(QSqlDatabase db)
    : m_db(std::move(db))
{}

Expected<model::User> UserRepository::create(const NewUser& user, const QString& actor) const
{
    auto transaction = Transaction::begin(m_db);
    if (!transaction)
        return std::unexpected(transaction.error());
    auto query = runQuery(
        m_db, u"create the user",
        u"INSERT INTO app_user (email, display_name, is_admin)"
        " VALUES (:email, :name, :admin) RETURNING id"_s,
        {{"email"_L1, user.email}, {"name"_L1, user.displayName}, {"admin"_L1, user.isAdmin}});
    if (!query)
        return std::unexpected(query.error());
    query->next();
    const model::User created{.id = query->value(0).toLongLong(),
                              .email = user.email,
                              .displayName = user.displayName,
                              .dbRole = {},
                              .isAdmin = user.isAdmin,
                              .active = true};
    auto audited = AuditRepository(m_db).append({.actor = actor,
                                                 .action = u"user.created"_s,
                                                 .entity = u"app_user"_s,
                                                 .entityId = QString::number(created.id),
                                                 .after = model::toJson(created)});
    if (!audited)
        return std::unexpected(audited.error());
    if (auto committed = transaction->commit(); !committed)
        return std::unexpected(committed.error());
    return created;
}

namespace {

Expected<model::User> userFrom(Expected<QSqlQuery> query, const QString& missing)
{
    if (!query)
        return std::unexpected(query.error());
    if (!query->next())
        return fail(ErrorCode::NotFound, missing);
    return model::User{.id = query->value(0).toLongLong(),
                       .email = query->value(1).toString(),
                       .displayName = query->value(2).toString(),
                       .dbRole = query->value(3).toString(),
                       .isAdmin = query->value(4).toBool(),
                       .active = query->value(5).toBool()};
}

} // namespace

Expected<model::User> UserRepository::findById(qint64 id) const
{
    return userFrom(runQuery(m_db, u"read the user",
                             u"SELECT id, email, display_name, COALESCE(db_role, ''), is_admin,"
                             " active FROM app_user WHERE id = :id"_s,
                             {{"id"_L1, id}}),
                    u"user %1 does not exist"_s.arg(id));
}

Expected<model::User> UserRepository::findByEmail(const QString& email) const
{
    return userFrom(runQuery(m_db, u"read the user",
                             u"SELECT id, email, display_name, COALESCE(db_role, ''), is_admin,"
                             " active FROM app_user WHERE lower(email) = lower(:email)"_s,
                             {{"email"_L1, email}}),
                    u"no user has the e-mail address %1"_s.arg(email));
}

Expected<void> UserRepository::grant(qint64 userId, const model::OrganizationPermission& permission,
                                     const QString& actor) const
{
    auto transaction = Transaction::begin(m_db);
    if (!transaction)
        return std::unexpected(transaction.error());
    auto query = runQuery(
        m_db, u"grant permissions",
        u"INSERT INTO user_organization (user_id, organization_id, perm_sync, perm_resolve)"
        " VALUES (:user, :org, :sync, :resolve)"
        " ON CONFLICT (user_id, organization_id)"
        " DO UPDATE SET perm_sync = EXCLUDED.perm_sync, perm_resolve = EXCLUDED.perm_resolve"_s,
        {{"user"_L1, userId},
         {"org"_L1, permission.organizationId},
         {"sync"_L1, permission.permSync},
         {"resolve"_L1, permission.permResolve}});
    if (!query)
        return std::unexpected(query.error());
    auto audited = AuditRepository(m_db).append({.actor = actor,
                                                 .action = u"user.permissions_granted"_s,
                                                 .organizationId = permission.organizationId,
                                                 .entity = u"app_user"_s,
                                                 .entityId = QString::number(userId),
                                                 .after = model::toJson(permission)});
    if (!audited)
        return std::unexpected(audited.error());
    return transaction->commit();
}

Expected<std::vector<model::OrganizationPermission>>
UserRepository::permissions(qint64 userId) const
{
    auto query = runQuery(m_db, u"read permissions",
                          u"SELECT organization_id, perm_sync, perm_resolve FROM user_organization"
                          " WHERE user_id = :user ORDER BY organization_id"_s,
                          {{"user"_L1, userId}});
    if (!query)
        return std::unexpected(query.error());
    std::vector<model::OrganizationPermission> permissions;
    while (query->next())
        permissions.push_back(
            {query->value(0).toLongLong(), query->value(1).toBool(), query->value(2).toBool()});
    return permissions;
}

} // namespace pfa::db
