#pragma once

#include "model/Error.h"
#include "model/OrganizationPermission.h"
#include "model/User.h"

#include <QSqlDatabase>

#include <vector>

namespace pfa::db {

struct NewUser
{
    QString email;
    QString displayName;
    bool isAdmin = false;
};

class UserRepository final
{
public:
    explicit UserRepository(QSqlDatabase db);

    [[nodiscard]] Expected<model::User> create(const NewUser& user, const QString& actor) const;
    [[nodiscard]] Expected<model::User> findById(qint64 id) const;
    [[nodiscard]] Expected<model::User> findByEmail(const QString& email) const;
    // Sets (or replaces) what the user may do in one organization; audited.
    [[nodiscard]] Expected<void> grant(qint64 userId,
                                       const model::OrganizationPermission& permission,
                                       const QString& actor) const;
    [[nodiscard]] Expected<std::vector<model::OrganizationPermission>>
    permissions(qint64 userId) const;

private:
    QSqlDatabase m_db;
};

} // namespace pfa::db
