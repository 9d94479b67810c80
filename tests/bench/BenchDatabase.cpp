#include "BenchDatabase.h"

#include "BenchLog.h"
#include "ProcessCpu.h"
#include "db/Database.h"
#include "db/LocalPostgres.h"
#include "db/MigrationRunner.h"
#include "db/Sql.h"

#include <QDir>
#include <QFile>

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

    if (const QString logDir = qEnvironmentVariable("BENCH_PG_LOG_DIR"); !logDir.isEmpty()) {
        static int clusters = 0;
        bench->m_keptLog = QDir(logDir).filePath(u"postgres-%1.log"_s.arg(++clusters));
        db::Database admin(bench->url(), u"pfa-sync-bench admin"_s);
        auto connection = admin.connection();
        if (!connection)
            return std::unexpected(connection.error());
        // Every statement with its duration, and the plan of any that took 10 ms or more.
        for (const QString& setting :
             {u"log_min_duration_statement = 0"_s, u"session_preload_libraries = 'auto_explain'"_s,
              u"auto_explain.log_min_duration = 10"_s, u"auto_explain.log_analyze = on"_s}) {
            if (auto logged = db::runStatement(*connection, u"log statements",
                                               u"ALTER DATABASE pfa_bench SET "_s + setting);
                !logged)
                return std::unexpected(logged.error());
        }
    }

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
    if (m_cluster && !m_keptLog.isEmpty()) {
        (void)m_cluster->stop();
        QFile::remove(m_keptLog);
        if (!QFile::copy(m_cluster->logFile(), m_keptLog))
            progress(u"pfa-sync-bench"_s, u"cannot keep the server log as %1"_s.arg(m_keptLog));
    }
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

Expected<double> BenchDatabase::sessionCpuSeconds(const QString& applicationName) const
{
    auto sessions =
        db::runQuery(m_connection, u"find the sessions",
                     u"SELECT pid FROM pg_stat_activity"
                     " WHERE datname = current_database() AND application_name = :app"_s,
                     {{"app"_L1, applicationName}});
    if (!sessions)
        return std::unexpected(sessions.error());
    double seconds = 0;
    while (sessions->next()) {
        auto used = processCpuSeconds(sessions->value(0).toLongLong());
        if (!used)
            return std::unexpected(used.error());
        seconds += *used;
    }
    return seconds;
}

} // namespace pfa::bench
