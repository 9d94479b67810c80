#pragma once

#include "db/Database.h"
#include "db/Sql.h"
#include "model/Error.h"
#include "model/FieldValue.h"
#include "model/MirrorRecord.h"
#include "model/Modification.h"

#include <QSqlDatabase>
#include <QString>
#include <QVariant>

#include <initializer_list>
#include <memory>

namespace pfa::test {

// What seedOrganizationWithRecord() created: one organization, one user and one record
// (version 1, pulled from PEMS) that a test can edit.
struct SeededRecord
{
    qint64 organizationId = 0;
    QString organizationCode;
    qint64 userId = 0;
    QString userEmail;
    QString pfaId;
    qint64 mirrorId = 0;
    model::FieldMap data; // the record as stored
};

// A fresh database of the process' TestCluster for one test function. create() clones it from
// `pfa_template`, which is created and migrated once per process, so every test starts from the
// full schema and no rows in a few tens of milliseconds. The destructor drops the database.
//
// Main thread only for create() and the destructor (TestCluster's rule). Other threads use
// database().connection() and must call database().releaseThreadConnection() before they end.
class TestDatabase final
{
public:
    // A database with every bundled migration applied.
    [[nodiscard]] static Expected<std::unique_ptr<TestDatabase>> create();
    // A database without any schema, for the migration tests.
    [[nodiscard]] static Expected<std::unique_ptr<TestDatabase>> createEmpty();

    ~TestDatabase();
    Q_DISABLE_COPY_MOVE(TestDatabase)

    // The calling thread's connection; an invalid QSqlDatabase (and a warning) if it cannot open.
    [[nodiscard]] QSqlDatabase connection();
    [[nodiscard]] QString url() const { return m_url; }
    [[nodiscard]] QString name() const { return m_name; }
    [[nodiscard]] db::Database& database() { return *m_database; }

    // The first column of the first row of a query on this thread's connection (invalid when
    // there is no row). For assertions on what the repositories wrote: fixed SQL, bound values.
    [[nodiscard]] Expected<QVariant> value(const QString& sql,
                                           std::initializer_list<db::SqlParam> params = {});
    [[nodiscard]] Expected<qint64> count(const QString& sql,
                                         std::initializer_list<db::SqlParam> params = {});

    // A valid PFA record of the sample data set: `PFA-<number>` of the organization.
    [[nodiscard]] static model::FieldMap sampleRecord(const QString& organizationCode, int number);

    // Organization `code`, a planner in it, and record PFA-10001, through the repositories.
    [[nodiscard]] Expected<SeededRecord>
    seedOrganizationWithRecord(const QString& code = QStringLiteral("ACME"));
    // Another record of the seeded organization (sample record `number`), pulled at `version`.
    [[nodiscard]] Expected<model::MirrorRecord> addRecord(const SeededRecord& seeded, int number,
                                                          qint64 version = 1);
    // A draft that passes validation: moves the record's forecastEnd `days` later.
    [[nodiscard]] Expected<model::Modification>
    saveValidDraft(const SeededRecord& seeded, const QString& pfaId = {}, int days = 7);

private:
    TestDatabase(QString name, QString url);
    [[nodiscard]] static Expected<std::unique_ptr<TestDatabase>>
    createFrom(const QString& templateName);

    const QString m_name;
    const QString m_url;
    std::unique_ptr<db::Database> m_database;
};

} // namespace pfa::test
