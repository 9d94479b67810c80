#include "AdminSession.h"

#include "Console.h"
#include "Startup.h"
#include "db/OrganizationRepository.h"
#include "db/UserRepository.h"

using namespace Qt::StringLiterals;

namespace pfa::app {

Expected<std::unique_ptr<AdminSession>> AdminSession::open(const Invocation& invocation)
{
    auto settings = loadSettings(invocation);
    if (!settings)
        return std::unexpected(settings.error());
    auto url = requireDatabaseUrl(*settings);
    if (!url)
        return std::unexpected(url.error());
    auto database = std::make_unique<db::Database>(*url, u"pfa-sync admin"_s);
    if (auto migrated = migrateDatabase(*database, *url); !migrated) {
        database->releaseThreadConnection();
        return std::unexpected(migrated.error());
    }
    auto connection = database->connection();
    if (!connection) {
        database->releaseThreadConnection();
        return std::unexpected(connection.error());
    }
    return std::unique_ptr<AdminSession>(new AdminSession(std::move(database), *connection));
}

AdminSession::AdminSession(std::unique_ptr<db::Database> database, QSqlDatabase connection)
    : m_database(std::move(database))
    , m_connection(std::move(connection))
{}

AdminSession::~AdminSession()
{
    m_connection = QSqlDatabase();
    m_database->releaseThreadConnection();
}

Expected<model::User> AdminSession::actingUser(const QString& email) const
{
    auto user = db::UserRepository(m_connection).findByEmail(email);
    if (!user && user.error().code == ErrorCode::NotFound)
        return fail(ErrorCode::NotFound, u"--user %1: no such user"_s.arg(email), u"--user"_s);
    return user;
}

Expected<model::Organization> AdminSession::organization(const QString& code) const
{
    auto organization = db::OrganizationRepository(m_connection).findByCode(code);
    if (!organization && organization.error().code == ErrorCode::NotFound)
        return fail(ErrorCode::NotFound, u"--organization %1: no such organization"_s.arg(code),
                    u"--organization"_s);
    return organization;
}

Expected<std::vector<model::Organization>> AdminSession::organizations(const QString& code) const
{
    if (code.isEmpty())
        return db::OrganizationRepository(m_connection).list();
    auto one = organization(code);
    if (!one)
        return std::unexpected(one.error());
    return std::vector<model::Organization>{*one};
}

int reportFailure(const QString& command, const Error& error)
{
    err() << "pfa-sync " << command << ": " << error.message << Qt::endl;
    return error.code == ErrorCode::InvalidInput || error.code == ErrorCode::Config ? 2 : 1;
}

} // namespace pfa::app
