#pragma once

#include "db/Migration.h"
#include "model/Error.h"

#include <QSqlDatabase>
#include <QStringList>

#include <vector>

namespace pfa::db {

struct MigrationReport
{
    QStringList applied; // file names applied by this run, in order
    int alreadyApplied = 0;
};

// Brings a database to the schema this build knows. Safe to run from several processes at once
// (an advisory lock serialises them); each migration runs in its own transaction and is recorded
// with its checksum, so an applied file that was later edited is refused instead of drifting.
class MigrationRunner final
{
public:
    explicit MigrationRunner(std::vector<Migration> migrations);

    // The migrations compiled into this build (resources/sql).
    [[nodiscard]] static Expected<MigrationRunner> bundled();
    // `NNNN_name.sql` files of a directory (also a resource path such as ":/sql").
    [[nodiscard]] static Expected<std::vector<Migration>> loadDirectory(const QString& path);

    [[nodiscard]] Expected<MigrationReport> migrate(const QSqlDatabase& db) const;

    [[nodiscard]] const std::vector<Migration>& migrations() const { return m_migrations; }

private:
    [[nodiscard]] Expected<void> verifyApplied(const QSqlDatabase& db, int& appliedCount) const;
    [[nodiscard]] Expected<void> apply(const QSqlDatabase& db, const Migration& migration) const;

    std::vector<Migration> m_migrations;
};

} // namespace pfa::db
