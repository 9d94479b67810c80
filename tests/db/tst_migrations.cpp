#include "db/Migration.h"
#include "db/MigrationRunner.h"
#include "support/TestDatabase.h"
#include "support/Verify.h"

#include <QCryptographicHash>
#include <QDir>
#include <QFile>
#include <QProcess>
#include <QProcessEnvironment>
#include <QTest>

#include <latch>
#include <optional>
#include <thread>

using namespace Qt::StringLiterals;

namespace pfa::test {

namespace {

db::Migration makeMigration(int version, const QString& fileName, const QByteArray& sql)
{
    return {version, fileName, sql,
            QString::fromLatin1(QCryptographicHash::hash(sql, QCryptographicHash::Sha256).toHex())};
}

std::vector<db::Migration> bundledMigrations()
{
    auto runner = db::MigrationRunner::bundled();
    if (!runner)
        qFatal("the bundled migrations do not load: %s", qPrintable(runner.error().toString()));
    return runner->migrations();
}

QStringList fileNames(const std::vector<db::Migration>& migrations)
{
    QStringList names;
    for (const db::Migration& migration : migrations)
        names << migration.fileName;
    return names;
}

// Tables every migration leaves behind, one per file, to see that the schema is really there.
const QStringList CoreTables{u"organization"_s, u"pfa_mirror"_s, u"pfa_write_queue"_s,
                             u"audit_log"_s};

} // namespace

class TstMigrations final : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void init();
    void cleanup();

    void appliesEveryBundledMigrationToAnEmptyDatabase();
    void rerunningIsANoOp();
    void refusesAnEditedAppliedMigration_data();
    void refusesAnEditedAppliedMigration();
    void refusesADatabaseMigratedByANewerBuild();
    void failingMigrationLeavesNothingBehind_data();
    void failingMigrationLeavesNothingBehind();
    void twoProcessesMigrateAtOnce();
    void twoThreadsMigrateAtOnce();

private:
    // What schema_migrations holds: "version file checksum" per row, in version order.
    QStringList recorded();
    bool tableExists(const QString& table);

    std::unique_ptr<TestDatabase> m_db;
};

void TstMigrations::init()
{
    auto created = TestDatabase::createEmpty();
    PFA_VERIFY_OK(created);
    m_db = std::move(*created);
}

void TstMigrations::cleanup()
{
    m_db.reset();
}

QStringList TstMigrations::recorded()
{
    QStringList rows;
    auto query = db::runQuery(m_db->connection(), u"read schema_migrations",
                              u"SELECT version, file_name, checksum FROM schema_migrations"
                              " ORDER BY version"_s);
    if (!query) {
        qWarning("%s", qPrintable(query.error().toString()));
        return rows;
    }
    while (query->next())
        rows << u"%1 %2 %3"_s.arg(query->value(0).toInt())
                    .arg(query->value(1).toString(), query->value(2).toString());
    return rows;
}

bool TstMigrations::tableExists(const QString& table)
{
    const auto found =
        m_db->value(u"SELECT to_regclass(:table) IS NOT NULL"_s, {{"table"_L1, table}});
    return found && found->toBool();
}

void TstMigrations::appliesEveryBundledMigrationToAnEmptyDatabase()
{
    // What the build carries is exactly what the source tree holds, byte for byte.
    const QDir sqlDir(qEnvironmentVariable("PFA_TEST_SOURCE_DIR") + u"/resources/sql"_s);
    const QStringList sourceFiles = sqlDir.entryList({u"*.sql"_s}, QDir::Files, QDir::Name);
    QVERIFY2(!sourceFiles.isEmpty(), qPrintable(sqlDir.path()));
    const auto migrations = bundledMigrations();
    QCOMPARE(fileNames(migrations), sourceFiles);

    auto runner = db::MigrationRunner::bundled();
    PFA_VERIFY_OK(runner);
    for (const QString& table : CoreTables)
        QVERIFY(!tableExists(table));

    const auto report = runner->migrate(m_db->connection());
    PFA_VERIFY_OK(report);
    QCOMPARE(report->applied, sourceFiles);
    QCOMPARE(report->alreadyApplied, 0);

    QStringList expected;
    for (const QString& fileName : sourceFiles) {
        QFile file(sqlDir.filePath(fileName));
        QVERIFY(file.open(QIODevice::ReadOnly));
        const QString checksum = QString::fromLatin1(
            QCryptographicHash::hash(file.readAll(), QCryptographicHash::Sha256).toHex());
        expected << u"%1 %2 %3"_s.arg(fileName.left(4).toInt()).arg(fileName, checksum);
    }
    QCOMPARE(recorded(), expected);
    for (const QString& table : CoreTables)
        QVERIFY2(tableExists(table), qPrintable(table));
}

void TstMigrations::rerunningIsANoOp()
{
    auto runner = db::MigrationRunner::bundled();
    PFA_VERIFY_OK(runner);
    PFA_VERIFY_OK(runner->migrate(m_db->connection()));
    const QStringList before = recorded();
    const auto appliedAt = m_db->value(u"SELECT max(applied_at)::text FROM schema_migrations"_s);
    PFA_VERIFY_OK(appliedAt);

    const auto again = runner->migrate(m_db->connection());
    PFA_VERIFY_OK(again);
    QVERIFY2(again->applied.isEmpty(), qPrintable(again->applied.join(u", "_s)));
    QCOMPARE(again->alreadyApplied, int(runner->migrations().size()));
    QCOMPARE(recorded(), before);
    const auto appliedAtAfter =
        m_db->value(u"SELECT max(applied_at)::text FROM schema_migrations"_s);
    PFA_VERIFY_OK(appliedAtAfter);
    QCOMPARE(appliedAtAfter->toString(), appliedAt->toString());
}

void TstMigrations::refusesAnEditedAppliedMigration_data()
{
    QTest::addColumn<int>("index");
    QTest::addColumn<QByteArray>("edit");
    // Every applied file is checked, whatever the edit: even a comment or a lost newline.
    const auto migrations = bundledMigrations();
    for (int i = 0; i < int(migrations.size()); ++i) {
        const QByteArray name = migrations[size_t(i)].fileName.toUtf8();
        if (i % 2 == 0) {
            QTest::newRow(QByteArray(name + " gets a comment").constData())
                << i << QByteArray("\n-- tweak\n");
        } else {
            QTest::newRow(QByteArray(name + " loses its last byte").constData())
                << i << QByteArray();
        }
    }
}

void TstMigrations::refusesAnEditedAppliedMigration()
{
    QFETCH(int, index);
    QFETCH(QByteArray, edit);

    auto bundled = db::MigrationRunner::bundled();
    PFA_VERIFY_OK(bundled);
    PFA_VERIFY_OK(bundled->migrate(m_db->connection()));
    const QStringList before = recorded();

    std::vector<db::Migration> edited = bundled->migrations();
    db::Migration& target = edited[size_t(index)];
    const QByteArray sql = edit.isEmpty() ? target.sql.chopped(1) : QByteArray(target.sql + edit);
    target = makeMigration(target.version, target.fileName, sql);

    const auto report = db::MigrationRunner(edited).migrate(m_db->connection());
    QVERIFY(!report);
    QCOMPARE(report.error().code, ErrorCode::Config);
    QVERIFY2(report.error().message.contains(target.fileName), qPrintable(report.error().message));
    QVERIFY2(report.error().message.contains(u"edited"_s), qPrintable(report.error().message));
    QCOMPARE(recorded(), before);
}

void TstMigrations::refusesADatabaseMigratedByANewerBuild()
{
    std::vector<db::Migration> newer = bundledMigrations();
    const int next = newer.back().version + 1;
    const QString futureFile = u"%1_future_feature.sql"_s.arg(next, 4, 10, QChar(u'0'));
    newer.push_back(makeMigration(next, futureFile, "CREATE TABLE future_feature (id int);"));
    const auto upgraded = db::MigrationRunner(newer).migrate(m_db->connection());
    PFA_VERIFY_OK(upgraded);
    QCOMPARE(upgraded->applied.last(), futureFile);
    const QStringList before = recorded();

    auto bundled = db::MigrationRunner::bundled();
    PFA_VERIFY_OK(bundled);
    const auto report = bundled->migrate(m_db->connection());
    QVERIFY(!report);
    QCOMPARE(report.error().code, ErrorCode::Config);
    QVERIFY2(report.error().message.contains(futureFile), qPrintable(report.error().message));
    QVERIFY2(report.error().message.contains(u"newer"_s), qPrintable(report.error().message));
    QCOMPARE(recorded(), before);
    QVERIFY(tableExists(u"future_feature"_s));
}

void TstMigrations::failingMigrationLeavesNothingBehind_data()
{
    QTest::addColumn<QByteArray>("sql");
    QTest::addColumn<QString>("reason"); // part of PostgreSQL's message

    const QByteArray valid = "CREATE TABLE half_done (id int PRIMARY KEY);\n"
                             "INSERT INTO half_done VALUES (1), (2);\n";
    QTest::newRow("undefined function")
        << QByteArray(valid + "SELECT no_such_function();\n") << u"no_such_function"_s;
    QTest::newRow("table that exists")
        << QByteArray(valid + "CREATE TABLE organization (id int);\n") << u"already exists"_s;
    QTest::newRow("check constraint") << QByteArray(valid + "INSERT INTO organization (code, name)"
                                                            " VALUES ('not valid', 'x');\n")
                                      << u"organization_code_check"_s;
    QTest::newRow("raised in a DO block")
        << QByteArray(valid + "DO $$ BEGIN RAISE EXCEPTION 'stop at line three'; END $$;\n")
        << u"stop at line three"_s;
    QTest::newRow("error in the last of many")
        << QByteArray(valid + "CREATE INDEX half_done_idx ON half_done (id);\n"
                              "ALTER TABLE half_done ADD COLUMN note text;\n"
                              "ALTER TABLE half_done ADD COLUMN note text;\n")
        << u"already exists"_s;
    QTest::newRow("syntax error") << QByteArray(valid + "CREATE TABLE broken (;\n")
                                  << u"syntax error"_s;
}

void TstMigrations::failingMigrationLeavesNothingBehind()
{
    QFETCH(QByteArray, sql);
    QFETCH(QString, reason);

    std::vector<db::Migration> migrations = bundledMigrations();
    const int first = migrations.back().version + 1;
    const QString goodFile = u"%1_notes.sql"_s.arg(first, 4, 10, QChar(u'0'));
    const QString badFile = u"%1_half_done.sql"_s.arg(first + 1, 4, 10, QChar(u'0'));
    migrations.push_back(makeMigration(first, goodFile, "CREATE TABLE note (id int);"));
    migrations.push_back(makeMigration(first + 1, badFile, sql));

    const auto report = db::MigrationRunner(migrations).migrate(m_db->connection());
    QVERIFY(!report);
    QCOMPARE(report.error().code, ErrorCode::Database);
    QVERIFY2(report.error().message.contains(badFile), qPrintable(report.error().message));
    QVERIFY2(report.error().message.contains(reason), qPrintable(report.error().message));

    // Every migration before the broken one is applied (each has its own transaction) ...
    const QStringList rows = recorded();
    QCOMPARE(rows.size(), int(migrations.size()) - 1);
    QVERIFY(rows.last().contains(goodFile));
    QVERIFY(tableExists(u"note"_s));
    // ... and of the broken one nothing is left, not even the statements that had succeeded.
    QVERIFY(!tableExists(u"half_done"_s));
    QCOMPARE(m_db->count(u"SELECT count(*) FROM organization"_s).value_or(-1), 0);
    // The session is usable and holds no migration lock, so the next run is not blocked.
    QCOMPARE(
        m_db->count(u"SELECT count(*) FROM pg_locks WHERE locktype = 'advisory'"_s).value_or(-1),
        0);

    // Once the file is fixed, the next run applies just that one.
    migrations.back() = makeMigration(first + 1, badFile, "CREATE TABLE half_done (id int);");
    const auto fixed = db::MigrationRunner(migrations).migrate(m_db->connection());
    PFA_VERIFY_OK(fixed);
    QCOMPARE(fixed->applied, QStringList{badFile});
    QVERIFY(tableExists(u"half_done"_s));
}

void TstMigrations::twoProcessesMigrateAtOnce()
{
    QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
    environment.insert(u"DATABASE_URL"_s, m_db->url());
    std::array<QProcess, 2> processes;
    for (QProcess& process : processes) {
        process.setProcessEnvironment(environment);
        process.start(QStringLiteral(PFA_SYNC_BINARY), {u"migrate"_s});
    }
    QStringList outputs;
    for (QProcess& process : processes) {
        QVERIFY2(process.waitForFinished(30'000), qPrintable(process.errorString()));
        const QString output =
            QString::fromUtf8(process.readAllStandardOutput() + process.readAllStandardError());
        QCOMPARE(process.exitStatus(), QProcess::NormalExit);
        QVERIFY2(process.exitCode() == 0, qPrintable(output));
        outputs << output;
    }

    // One of them applied everything, the other found nothing left to do.
    const auto migrations = bundledMigrations();
    const QString appliedAll = u"Applied %1 migration(s)"_s.arg(migrations.size());
    QCOMPARE(outputs.filter(appliedAll).size(), 1);
    QCOMPARE(outputs.filter(u"up to date"_s).size(), 1);
    QStringList expected;
    for (const db::Migration& migration : migrations)
        expected
            << u"%1 %2 %3"_s.arg(migration.version).arg(migration.fileName, migration.checksum);
    QCOMPARE(recorded(), expected);
    for (const QString& table : CoreTables)
        QVERIFY2(tableExists(table), qPrintable(table));
}

void TstMigrations::twoThreadsMigrateAtOnce()
{
    auto runner = db::MigrationRunner::bundled();
    PFA_VERIFY_OK(runner);
    std::array<std::optional<Expected<db::MigrationReport>>, 2> reports;
    std::latch ready(2);
    {
        std::array<std::thread, 2> threads;
        for (size_t i = 0; i < threads.size(); ++i) {
            threads[i] = std::thread([&, i] {
                {
                    auto connection = m_db->database().connection();
                    ready.arrive_and_wait();
                    if (connection)
                        reports[i] = runner->migrate(*connection);
                    else
                        reports[i] = std::unexpected(connection.error());
                }
                m_db->database().releaseThreadConnection();
            });
        }
        for (std::thread& thread : threads)
            thread.join();
    }
    QStringList applied;
    for (const auto& report : reports) {
        QVERIFY(report.has_value());
        PFA_VERIFY_OK(*report);
        applied += (*report)->applied;
    }
    QCOMPARE(applied, fileNames(runner->migrations()));
    QCOMPARE(recorded().size(), int(runner->migrations().size()));
}

} // namespace pfa::test

QTEST_GUILESS_MAIN(pfa::test::TstMigrations)
#include "tst_migrations.moc"
