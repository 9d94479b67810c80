#pragma once

#include "CommandLine.h"
#include "db/Database.h"
#include "model/Error.h"
#include "model/Organization.h"
#include "model/User.h"

#include <QSqlDatabase>

#include <memory>
#include <vector>

namespace pfa::app {

// The database an admin command works on, opened as every command opens it (settings,
// DATABASE_URL, migrations), and the lookups the commands share: the acting user and the
// organizations named on the command line. The CLI is for operators with database access; the
// engine's permission checks still apply to the --user it acts as.
class AdminSession final
{
public:
    [[nodiscard]] static Expected<std::unique_ptr<AdminSession>> open(const Invocation& invocation);
    ~AdminSession();
    Q_DISABLE_COPY_MOVE(AdminSession)

    [[nodiscard]] const QSqlDatabase& connection() const { return m_connection; }
    // The user named by --user; NotFound naming --user when there is none.
    [[nodiscard]] Expected<model::User> actingUser(const QString& email) const;
    [[nodiscard]] Expected<model::Organization> organization(const QString& code) const;
    // The organization named by --organization, or every organization when `code` is empty.
    [[nodiscard]] Expected<std::vector<model::Organization>>
    organizations(const QString& code) const;

private:
    AdminSession(std::unique_ptr<db::Database> database, QSqlDatabase connection);

    std::unique_ptr<db::Database> m_database;
    QSqlDatabase m_connection;
};

// Prints "pfa-sync <command>: <message>" on stderr and returns the exit code documented in
// docs/service.md: 2 for bad arguments or settings, 1 for everything that failed or was refused.
int reportFailure(const QString& command, const Error& error);

} // namespace pfa::app
