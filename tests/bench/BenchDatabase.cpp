#include "BenchDatabase.h"

#include "db/Database.h"
#include "db/LocalPostgres.h"
#include "db/MigrationRunner.h"
#include "db/Sql.h"

using namespace Qt::StringLiterals;

namespace pfa::bench {

namespace {

const QString DatabaseName = u"pfa_bench"_s;

// The admin connection is released by ~Database, after the handles below are gone.
Expected<void> createDatabase(const db::LocalPostgres& cluster)
{
    db::Database admin(cluster.databaseUrl(u"postgres"_s), u"pfa-sync-bench admin"_s);
    auto connection = admin.connection();
    if (!connection)
        return std::unexpected(connection.error());
    auto created =
        db::runStatement(*connection, u"create the bench database", u"CREATE DATABASE pfa_bench"_s);
    if (!created)
        return std::unexpected(created.error());
    return {};
}

} // namespace

Expected<std::unique_ptr<BenchDatabase>> BenchDatabase::start()
{
    std::unique_ptr<BenchDatabase> bench(new BenchDatabase);
    // Durable commits: the worker's batched statements pay for their fsyncs as in production.
    bench->m_cluster = std::make_unique<db::LocalPostgres>(
        db::LocalPostgres::Options{.dataDir = {}, .fastUnsafe = false, .maxConnections = 100});
    if (auto started = bench->m_cluster->start(); !started)
        return std::unexpected(started.error());
    if (auto created = createDatabase(*bench->m_cluster); !created)
        return std::unexpected(created.error());

    bench->m_database = std::make_unique<db::Database>(bench->url(), u"pfa-sync-bench"_s);
    auto connection = bench->m_database->connection();
    if (!connection)
        return std::unexpected(connection.error());
    bench->m_connection = *connection;
    auto runner = db::MigrationRunner::bundled();
    if (!runner)
        return std::unexpected(runner.error());
    if (auto migrated = runner->migrate(bench->m_connection); !migrated)
        return std::unexpected(migrated.error());
    return bench;
}

BenchDatabase::~BenchDatabase()
{
    m_connection = QSqlDatabase();
    if (m_database)
        m_database->releaseThreadConnection();
    m_database.reset();
    m_cluster.reset(); // stops it (fast shutdown)
}

QString BenchDatabase::url() const
{
    return m_cluster->databaseUrl(DatabaseName);
}

Expected<QString> BenchDatabase::clockNow() const
{
    auto query = db::runQuery(m_connection, u"read the database clock",
                              u"SELECT CAST(clock_timestamp() AS text)"_s);
    if (!query)
        return std::unexpected(query.error());
    query->next();
    return query->value(0).toString();
}

} // namespace pfa::bench
