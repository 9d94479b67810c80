#include "support/TestDatabase.h"

#include "db/MigrationRunner.h"
#include "db/MirrorRepository.h"
#include "db/ModificationRepository.h"
#include "db/OrganizationRepository.h"
#include "db/UserRepository.h"
#include "model/SampleRecords.h"
#include "support/TestCluster.h"

#include <QCoreApplication>
#include <QDateTime>

#include <optional>

using namespace Qt::StringLiterals;

namespace pfa::test {

namespace {

const QString TemplateName = u"pfa_template"_s;
// template0 never has connections, so a copy of it may use the fast FILE_COPY strategy.
const QString EmptyTemplateName = u"template0"_s;
const QString Actor = u"test-fixture"_s;

// The migrated template, built on first use; a failure is remembered, not retried per test.
Expected<void> ensureTemplate()
{
    static std::optional<Expected<void>> result;
    if (result)
        return *result;

    result = []() -> Expected<void> {
        auto url = TestCluster::createDatabase(TemplateName, EmptyTemplateName);
        if (!url)
            return std::unexpected(url.error());
        auto runner = db::MigrationRunner::bundled();
        if (!runner)
            return std::unexpected(runner.error());
        // Its own Database, destroyed before the first copy: PostgreSQL refuses to copy a template
        // that has open sessions.
        db::Database templateDb(*url, u"pfa-test-template"_s);
        {
            auto connection = templateDb.connection();
            if (!connection)
                return std::unexpected(connection.error());
            if (auto migrated = runner->migrate(*connection); !migrated)
                return std::unexpected(migrated.error());
        }
        templateDb.releaseThreadConnection();
        return {};
    }();
    return *result;
}

QString nextDatabaseName()
{
    static int counter = 0;
    return u"t_%1_%2"_s.arg(QCoreApplication::applicationPid()).arg(++counter);
}

} // namespace

TestDatabase::TestDatabase(QString name, QString url)
    : m_name(std::move(name))
    , m_url(std::move(url))
    , m_database(std::make_unique<db::Database>(m_url, u"pfa-test"_s))
{}

TestDatabase::~TestDatabase()
{
    m_database.reset(); // releases this thread's connection; warns about any other thread's
    if (auto dropped = TestCluster::dropDatabase(m_name); !dropped)
        qWarning("cannot drop test database %s: %s", qPrintable(m_name),
                 qPrintable(dropped.error().toString()));
}

Expected<std::unique_ptr<TestDatabase>> TestDatabase::create()
{
    if (auto ready = ensureTemplate(); !ready)
        return std::unexpected(ready.error());
    return createFrom(TemplateName);
}

Expected<std::unique_ptr<TestDatabase>> TestDatabase::createEmpty()
{
    return createFrom(EmptyTemplateName);
}

Expected<std::unique_ptr<TestDatabase>> TestDatabase::createFrom(const QString& templateName)
{
    const QString name = nextDatabaseName();
    auto url = TestCluster::createDatabase(name, templateName);
    if (!url)
        return std::unexpected(url.error());
    return std::unique_ptr<TestDatabase>(new TestDatabase(name, *url));
}

QSqlDatabase TestDatabase::connection()
{
    auto connection = m_database->connection();
    if (!connection) {
        qWarning("test database %s: %s", qPrintable(m_name),
                 qPrintable(connection.error().toString()));
        return {};
    }
    return *connection;
}

Expected<QVariant> TestDatabase::value(const QString& sql,
                                       std::initializer_list<db::SqlParam> params)
{
    auto query = db::runQuery(connection(), u"test query", sql, params);
    if (!query)
        return std::unexpected(query.error());
    return query->next() ? query->value(0) : QVariant();
}

Expected<qint64> TestDatabase::count(const QString& sql, std::initializer_list<db::SqlParam> params)
{
    auto found = value(sql, params);
    if (!found)
        return std::unexpected(found.error());
    return found->toLongLong();
}

model::FieldMap TestDatabase::sampleRecord(const QString& organizationCode, int number)
{
    return model::SampleRecords::generate(organizationCode, number, 1, static_cast<quint32>(number))
        .front();
}

Expected<SeededRecord> TestDatabase::seedOrganizationWithRecord(const QString& code)
{
    const QSqlDatabase db = connection();
    auto organization =
        db::OrganizationRepository(db).create(code, code + u" Construction"_s, Actor);
    if (!organization)
        return std::unexpected(organization.error());
    const QString email = u"pat.planner@"_s + code.toLower() + u".example"_s;
    auto user = db::UserRepository(db).create({email, u"Pat Planner"_s, false}, Actor);
    if (!user)
        return std::unexpected(user.error());

    SeededRecord seeded;
    seeded.organizationId = organization->id;
    seeded.organizationCode = code;
    seeded.userId = user->id;
    seeded.userEmail = email;
    auto record = addRecord(seeded, 10001);
    if (!record)
        return std::unexpected(record.error());
    seeded.pfaId = record->pfaId;
    seeded.mirrorId = record->id;
    seeded.data = record->data;
    return seeded;
}

Expected<model::MirrorRecord> TestDatabase::addRecord(const SeededRecord& seeded, int number,
                                                      qint64 version)
{
    const model::FieldMap data = sampleRecord(seeded.organizationCode, number);
    return db::MirrorRepository(connection())
        .store({.organizationId = seeded.organizationId,
                .pfaId = std::get<QString>(data.at(model::PfaField::PfaId)),
                .version = version,
                .data = data,
                .pemsUpdatedAt = QDateTime::currentDateTimeUtc(),
                .source = model::HistorySource::Pull,
                .actor = u"pems"_s});
}

Expected<model::Modification> TestDatabase::saveValidDraft(const SeededRecord& seeded,
                                                           const QString& pfaId, int days)
{
    const QString id = pfaId.isEmpty() ? seeded.pfaId : pfaId;
    const QSqlDatabase db = connection();
    auto record = db::MirrorRepository(db).find(seeded.organizationId, id);
    if (!record)
        return std::unexpected(record.error());
    if (!*record)
        return fail(ErrorCode::NotFound, u"record %1 is not in the mirror"_s.arg(id));
    const model::FieldValue end = model::valueOf((*record)->data, model::PfaField::ForecastEnd);
    const auto* endTime = std::get_if<QDateTime>(&end);
    if (!endTime)
        return fail(ErrorCode::Internal, u"record %1 has no forecastEnd"_s.arg(id));
    return db::ModificationRepository(db).saveDraft(
        {.organizationId = seeded.organizationId,
         .pfaId = id,
         .userId = seeded.userId,
         .operation = model::Operation::Update,
         .delta = {{model::PfaField::ForecastEnd, endTime->addDays(days)}},
         .changeReason = u"Crane delivery slipped"_s},
        seeded.userEmail);
}

} // namespace pfa::test
