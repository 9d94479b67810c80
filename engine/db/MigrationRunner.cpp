#include "db/MigrationRunner.h"

#include "db/DbLog.h"
#include "db/Sql.h"
#include "db/Transaction.h"

#include <QCryptographicHash>
#include <QDir>
#include <QFile>
#include <QRegularExpression>
#include <QSqlDriver>

#include <libpq-fe.h>

#include <algorithm>
#include <map>
#include <set>

using namespace Qt::StringLiterals;

namespace pfa::db {

namespace {

// pg_advisory_lock key shared by every pfa-sync process: the bytes of "pfa-sync".
constexpr qint64 MigrationLockKey = 0x7066612d73796e63;

// QPSQL executes a multi-statement string but reports only the first statement's result, so a
// failure later in a migration file could pass unnoticed. libpq's PQexec stops at the first
// failing statement and returns its error, which is what a migration needs.
Expected<void> executeScript(const QSqlDatabase& db, const Migration& migration)
{
    const QVariant handle = db.driver()->handle();
    // Qt documents "PGconn*"; Debian's build registers the struct tag, "pg_conn*".
    if (qstrcmp(handle.typeName(), "PGconn*") != 0 && qstrcmp(handle.typeName(), "pg_conn*") != 0)
        return fail(ErrorCode::Internal, u"migrations need the QPSQL driver (got %1)"_s.arg(
                                             QString::fromLatin1(handle.typeName())));
    PGconn* connection = *static_cast<PGconn* const*>(handle.constData());
    PGresult* result = PQexec(connection, migration.sql.constData());
    const ExecStatusType status = PQresultStatus(result);
    const QString message = QString::fromUtf8(PQresultErrorMessage(result)).trimmed();
    PQclear(result);
    if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK && status != PGRES_EMPTY_QUERY)
        return fail(ErrorCode::Database,
                    u"migration %1 failed: %2"_s.arg(migration.fileName, message));
    return {};
}

class AdvisoryLock final
{
public:
    explicit AdvisoryLock(QSqlDatabase db)
        : m_db(std::move(db))
    {}
    ~AdvisoryLock()
    {
        if (m_held)
            (void)runQuery(m_db, u"release the migration lock",
                           u"SELECT pg_advisory_unlock(:key)"_s, {{"key"_L1, MigrationLockKey}});
    }
    Q_DISABLE_COPY_MOVE(AdvisoryLock)

    Expected<void> acquire()
    {
        auto locked = runQuery(m_db, u"take the migration lock", u"SELECT pg_advisory_lock(:key)"_s,
                               {{"key"_L1, MigrationLockKey}});
        if (!locked)
            return std::unexpected(locked.error());
        m_held = true;
        return {};
    }

private:
    QSqlDatabase m_db;
    bool m_held = false;
};

} // namespace

MigrationRunner::MigrationRunner(std::vector<Migration> migrations)
    : m_migrations(std::move(migrations))
{
    std::ranges::sort(m_migrations, {}, &Migration::version);
}

Expected<MigrationRunner> MigrationRunner::bundled()
{
    auto migrations = loadDirectory(u":/sql"_s);
    if (!migrations)
        return std::unexpected(migrations.error());
    return MigrationRunner(std::move(*migrations));
}

Expected<std::vector<Migration>> MigrationRunner::loadDirectory(const QString& path)
{
    static const QRegularExpression namePattern(u"^(\\d{4})_[a-z0-9_]+\\.sql$"_s);
    const QDir dir(path);
    if (!dir.exists())
        return fail(ErrorCode::Io, u"migration directory %1 does not exist"_s.arg(path));

    std::vector<Migration> migrations;
    std::map<int, QString> seen;
    const QStringList files = dir.entryList({u"*.sql"_s}, QDir::Files, QDir::Name);
    for (const QString& fileName : files) {
        const auto match = namePattern.match(fileName);
        if (!match.hasMatch())
            return fail(ErrorCode::Config,
                        u"migration file %1 is not named NNNN_lower_case_name.sql"_s.arg(fileName));
        const int version = match.captured(1).toInt();
        if (const auto it = seen.find(version); it != seen.end())
            return fail(
                ErrorCode::Config,
                u"migrations %1 and %2 share version %3"_s.arg(it->second, fileName).arg(version));
        seen.emplace(version, fileName);

        QFile file(dir.filePath(fileName));
        if (!file.open(QIODevice::ReadOnly))
            return fail(ErrorCode::Io,
                        u"cannot read migration %1: %2"_s.arg(fileName, file.errorString()));
        Migration migration{version, fileName, file.readAll(), {}};
        migration.checksum = QString::fromLatin1(
            QCryptographicHash::hash(migration.sql, QCryptographicHash::Sha256).toHex());
        migrations.push_back(std::move(migration));
    }
    if (migrations.empty())
        return fail(ErrorCode::Config, u"no migrations found in %1"_s.arg(path));
    return migrations;
}

Expected<MigrationReport> MigrationRunner::migrate(const QSqlDatabase& db) const
{
    AdvisoryLock lock(db);
    if (auto locked = lock.acquire(); !locked)
        return std::unexpected(locked.error());

    // Looked up first rather than CREATE TABLE IF NOT EXISTS, whose NOTICE on every later start
    // would reach the terminal through libpq.
    auto existing = runQuery(db, u"look for schema_migrations",
                             u"SELECT to_regclass('schema_migrations') IS NOT NULL"_s);
    if (!existing)
        return std::unexpected(existing.error());
    if (!existing->next() || !existing->value(0).toBool()) {
        auto created = runStatement(db, u"create schema_migrations",
                                    u"CREATE TABLE schema_migrations ("
                                    " version integer PRIMARY KEY,"
                                    " file_name text NOT NULL,"
                                    " checksum text NOT NULL,"
                                    " applied_at timestamptz NOT NULL DEFAULT now())"_s);
        if (!created)
            return std::unexpected(created.error());
    }

    MigrationReport report;
    if (auto verified = verifyApplied(db, report.alreadyApplied); !verified)
        return std::unexpected(verified.error());

    auto appliedVersions =
        runQuery(db, u"read schema_migrations", u"SELECT version FROM schema_migrations"_s);
    if (!appliedVersions)
        return std::unexpected(appliedVersions.error());
    std::set<int> applied;
    while (appliedVersions->next())
        applied.insert(appliedVersions->value(0).toInt());

    for (const Migration& migration : m_migrations) {
        if (applied.contains(migration.version))
            continue;
        if (auto done = apply(db, migration); !done)
            return std::unexpected(done.error());
        qCInfo(lcDb) << "applied migration" << migration.fileName;
        report.applied << migration.fileName;
    }
    return report;
}

Expected<void> MigrationRunner::verifyApplied(const QSqlDatabase& db, int& appliedCount) const
{
    auto rows =
        runQuery(db, u"read schema_migrations",
                 u"SELECT version, file_name, checksum FROM schema_migrations ORDER BY version"_s);
    if (!rows)
        return std::unexpected(rows.error());
    const int newestKnown = m_migrations.empty() ? 0 : m_migrations.back().version;
    appliedCount = 0;
    while (rows->next()) {
        ++appliedCount;
        const int version = rows->value(0).toInt();
        const QString fileName = rows->value(1).toString();
        const QString checksum = rows->value(2).toString();
        const auto known = std::ranges::find(m_migrations, version, &Migration::version);
        if (known == m_migrations.end()) {
            return fail(ErrorCode::Config,
                        u"the database has migration %1 applied, which this pfa-sync does not know "
                        "(it knows up to %2): the database was upgraded by a newer pfa-sync; "
                        "upgrade this installation"_s.arg(fileName)
                            .arg(newestKnown));
        }
        if (known->checksum != checksum) {
            return fail(ErrorCode::Config,
                        u"migration %1 was edited after it was applied to this database "
                        "(checksum %2 applied, %3 now). Applied migrations must never change: "
                        "restore the file and put the change in a new migration"_s.arg(
                            fileName, checksum.left(12), known->checksum.left(12)));
        }
    }
    return {};
}

Expected<void> MigrationRunner::apply(const QSqlDatabase& db, const Migration& migration) const
{
    auto transaction = Transaction::begin(db);
    if (!transaction)
        return std::unexpected(transaction.error());
    if (auto executed = executeScript(db, migration); !executed)
        return executed;
    auto recorded = runQuery(db, u"record the migration",
                             u"INSERT INTO schema_migrations (version, file_name, checksum)"
                             " VALUES (:version, :file, :checksum)"_s,
                             {{"version"_L1, migration.version},
                              {"file"_L1, migration.fileName},
                              {"checksum"_L1, migration.checksum}});
    if (!recorded)
        return std::unexpected(recorded.error());
    return transaction->commit();
}

} // namespace pfa::db
