#include "support/TestCluster.h"

#include "db/DatabaseUrl.h"

#include <QCoreApplication>
#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>

#include <memory>
#include <optional>

using namespace Qt::StringLiterals;

namespace pfa::test {

namespace {

struct ClusterState
{
    std::unique_ptr<db::LocalPostgres> cluster;
    std::optional<Error> startError;
    int serverVersion = 0; // server_version_num, once known
};

ClusterState& state()
{
    static ClusterState clusterState;
    return clusterState;
}

QString adminConnectionName()
{
    return u"pfa.test.admin"_s;
}

// Runs from ~QCoreApplication, while Qt is still fully usable (unlike static destructors).
void shutDown()
{
    if (QSqlDatabase::contains(adminConnectionName())) {
        QSqlDatabase::database(adminConnectionName(), false).close();
        QSqlDatabase::removeDatabase(adminConnectionName());
    }
    state().cluster.reset();
}

QString quoteIdentifier(const QString& name)
{
    QString quoted = name;
    quoted.replace(u'"', u"\"\""_s);
    return u'"' + quoted + u'"';
}

Expected<QSqlDatabase> adminConnection()
{
    if (QSqlDatabase::contains(adminConnectionName())) {
        QSqlDatabase db = QSqlDatabase::database(adminConnectionName());
        if (!db.isOpen()) {
            return fail(ErrorCode::Database, u"lost the connection to the test cluster: %1"_s.arg(
                                                 db.lastError().text()));
        }
        return db;
    }
    const auto cluster = TestCluster::instance();
    if (!cluster)
        return std::unexpected(cluster.error());
    const auto params = db::parseDatabaseUrl((*cluster)->databaseUrl(u"postgres"_s));
    if (!params)
        return std::unexpected(params.error());
    QSqlDatabase db = QSqlDatabase::addDatabase(u"QPSQL"_s, adminConnectionName());
    db::applyTo(*params, db);
    if (!db.open()) {
        return fail(ErrorCode::Database,
                    u"cannot connect to the test cluster: %1"_s.arg(db.lastError().text()));
    }
    // DROP DATABASE IF EXISTS and friends would print NOTICEs into every test's output.
    QSqlQuery(u"SET client_min_messages = warning"_s, db);
    return db;
}

Expected<int> serverVersion()
{
    int& version = state().serverVersion;
    if (version == 0) {
        auto db = adminConnection();
        if (!db)
            return std::unexpected(db.error());
        QSqlQuery query(u"SHOW server_version_num"_s, *db);
        if (!query.next()) {
            return fail(ErrorCode::Database,
                        u"cannot read the server version: %1"_s.arg(query.lastError().text()));
        }
        version = query.value(0).toInt();
    }
    return version;
}

} // namespace

Expected<db::LocalPostgres*> TestCluster::instance()
{
    ClusterState& s = state();
    if (s.startError)
        return std::unexpected(*s.startError);
    if (!s.cluster) {
        db::LocalPostgres::Options options;
        options.fastUnsafe = true;
        s.cluster = std::make_unique<db::LocalPostgres>(options);
        qAddPostRoutine(shutDown);
        if (auto started = s.cluster->start(); !started) {
            s.startError = started.error();
            s.cluster.reset();
            return std::unexpected(*s.startError);
        }
    }
    return s.cluster.get();
}

Expected<QString> TestCluster::createDatabase(const QString& name, const QString& templateName)
{
    if (name.isEmpty())
        return fail(ErrorCode::InvalidInput, u"a database needs a name"_s, u"name"_s);
    QString sql = u"CREATE DATABASE "_s + quoteIdentifier(name);
    if (!templateName.isEmpty()) {
        sql += u" TEMPLATE "_s + quoteIdentifier(templateName);
        // PostgreSQL 15's default (WAL_LOG) copies through the WAL: ~300 ms for a small template
        // here, against ~60 ms for a file copy, whose checkpoints cost little with fsync off.
        const auto version = serverVersion();
        if (!version)
            return std::unexpected(version.error());
        if (*version >= 150000)
            sql += u" STRATEGY FILE_COPY"_s;
    }
    if (auto created = runAdminSql(sql); !created)
        return std::unexpected(created.error());
    return databaseUrl(name);
}

Expected<void> TestCluster::dropDatabase(const QString& name)
{
    return runAdminSql(u"DROP DATABASE IF EXISTS %1 WITH (FORCE)"_s.arg(quoteIdentifier(name)));
}

QString TestCluster::databaseUrl(const QString& name)
{
    const auto cluster = instance();
    return cluster ? (*cluster)->databaseUrl(name) : QString();
}

Expected<void> TestCluster::runAdminSql(const QString& sql)
{
    auto db = adminConnection();
    if (!db)
        return std::unexpected(db.error());
    QSqlQuery query(*db);
    if (!query.exec(sql))
        return fail(ErrorCode::Database, u"%1: %2"_s.arg(sql, query.lastError().text()));
    return {};
}

} // namespace pfa::test
