#pragma once

#include "db/LocalPostgres.h"
#include "model/Error.h"

#include <QString>

namespace pfa::test {

// The PostgreSQL cluster of a test process: one private LocalPostgres (fastUnsafe), started on
// first use and stopped when the QCoreApplication is destroyed (or, failing that, at exit). Tests
// get isolation from separate databases, not separate clusters. If it cannot start, every call
// returns that same error instead of trying again.
//
// Main thread only: the admin connection is the main thread's, and the cluster's parent-death
// signal is tied to the thread that started it.
class TestCluster final
{
public:
    TestCluster() = delete;

    // The running cluster, started if needed.
    [[nodiscard]] static Expected<db::LocalPostgres*> instance();

    // CREATE DATABASE, optionally as a copy of templateName (which must have no open connections
    // at that moment); returns the new database's URL.
    [[nodiscard]] static Expected<QString> createDatabase(const QString& name,
                                                          const QString& templateName = {});
    // Drops the database, ending its sessions first; no error when it does not exist.
    [[nodiscard]] static Expected<void> dropDatabase(const QString& name);
    // The URL of a database of the cluster (see LocalPostgres::databaseUrl); empty if the cluster
    // cannot start.
    [[nodiscard]] static QString databaseUrl(const QString& name);
    // Runs one statement as the superuser on the `postgres` database.
    [[nodiscard]] static Expected<void> runAdminSql(const QString& sql);
};

} // namespace pfa::test
