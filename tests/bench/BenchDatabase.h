#pragma once

#include "model/Error.h"

#include <QSqlDatabase>
#include <QString>

#include <memory>

namespace pfa::db {
class Database;
class LocalPostgres;
} // namespace pfa::db

namespace pfa::bench {

// A scenario's own PostgreSQL: a temporary private cluster with durable commits (fsync and
// synchronous_commit on, as in production, unlike the tests' fast cluster), one database migrated
// to the bundled schema, and the main thread's connection to it. Main thread only.
//
// For profiling, the environment variable BENCH_PG_LOG_DIR=DIR makes the database log every
// statement with its duration (log_min_duration_statement = 0) and keeps the server log as
// DIR/postgres-N.log, N counting the clusters of this process.
class BenchDatabase final
{
public:
    [[nodiscard]] static Expected<std::unique_ptr<BenchDatabase>> start();
    ~BenchDatabase(); // closes the connections, then stops the cluster
    BenchDatabase(const BenchDatabase&) = delete;
    BenchDatabase& operator=(const BenchDatabase&) = delete;

    [[nodiscard]] const QSqlDatabase& connection() const { return m_connection; }
    [[nodiscard]] db::Database& database() { return *m_database; }
    // DATABASE_URL of the bench database, for the worker process.
    [[nodiscard]] QString url() const;

    // The server's clock_timestamp() as text, to the microsecond, for CAST(:t AS timestamptz):
    // every interval the benchmark reports is measured on this one clock.
    [[nodiscard]] Expected<QString> clockNow() const;
    // CPU time the server processes of every session named `applicationName` have used so far
    // (call it before those sessions end).
    [[nodiscard]] Expected<double> sessionCpuSeconds(const QString& applicationName) const;

private:
    BenchDatabase() = default;

    QString m_keptLog; // where the server log goes when the cluster stops; empty: nowhere
    std::unique_ptr<db::LocalPostgres> m_cluster;
    std::unique_ptr<db::Database> m_database;
    QSqlDatabase m_connection;
};

} // namespace pfa::bench
