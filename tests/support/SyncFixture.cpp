#include "support/SyncFixture.h"

#include "db/MirrorRepository.h"
#include "db/OrganizationRepository.h"
#include "db/UserRepository.h"
#include "model/SampleRecords.h"

#include <QFile>
#include <QTest>

using namespace Qt::StringLiterals;

namespace pfa::test {

namespace {
const QString Actor = u"test-fixture"_s;
constexpr int FirstNumber = 10001;
} // namespace

Expected<std::unique_ptr<SyncFixture>> SyncFixture::create(const SyncFixtureOptions& options)
{
    std::unique_ptr<SyncFixture> fixture(new SyncFixture);
    auto database = TestDatabase::create();
    if (!database)
        return std::unexpected(database.error());
    fixture->m_db = std::move(*database);
    const QSqlDatabase db = fixture->m_db->connection();

    auto user = db::UserRepository(db).create(
        {u"pat.planner@example.test"_s, u"Pat Planner"_s, false}, Actor);
    if (!user)
        return std::unexpected(user.error());
    fixture->m_userId = user->id;

    nlohmann::json seed = nlohmann::json::array();
    quint32 seedNumber = 7;
    for (const QString& code : options.organizations) {
        auto organization =
            db::OrganizationRepository(db).create(code, code + u" Construction"_s, Actor);
        if (!organization)
            return std::unexpected(organization.error());
        fixture->m_organizations[code] = organization->id;
        if (auto granted =
                db::UserRepository(db).grant(user->id, {organization->id, true, true}, Actor);
            !granted)
            return std::unexpected(granted.error());
        const auto records = model::SampleRecords::generate(
            code, FirstNumber, options.recordsPerOrganization, seedNumber++);
        for (std::size_t i = 0; i < records.size(); ++i) {
            const model::FieldMap& data = records[i];
            auto stored = db::MirrorRepository(db).store(
                {.organizationId = organization->id,
                 .pfaId = std::get<QString>(data.at(model::PfaField::PfaId)),
                 .version = 1,
                 .data = data,
                 .pemsUpdatedAt = QDateTime::currentDateTimeUtc(),
                 .source = model::HistorySource::Pull,
                 .actor = u"pems"_s});
            if (!stored)
                return std::unexpected(stored.error());
            fixture->m_records[{code, FirstNumber + int(i)}] = data;
            seed.push_back(model::fieldMapToJson(data));
        }
    }

    if (!fixture->m_dir.isValid())
        return fail(ErrorCode::Io, u"cannot create a temporary directory"_s);
    const QString seedPath = fixture->m_dir.filePath(u"seed.json"_s);
    QFile file(seedPath);
    if (!file.open(QIODevice::WriteOnly))
        return fail(ErrorCode::Io, u"cannot write %1"_s.arg(seedPath));
    file.write(QByteArray::fromStdString(seed.dump()));
    file.close();

    fixture->m_sim = std::make_unique<PemsSimProcess>();
    if (auto started =
            fixture->m_sim->start(QStringList{u"--seed-file"_s, seedPath} + options.simArguments);
        !started)
        return std::unexpected(started.error());
    return fixture;
}

SyncFixture::~SyncFixture() = default;

const model::FieldMap& SyncFixture::record(const QString& code, int number) const
{
    return m_records.at({code, number});
}

sync::WorkerConfig SyncFixture::workerConfig(const QString& workerId) const
{
    sync::WorkerConfig config;
    config.workerId = workerId;
    config.pems.baseUrl = m_sim->baseUrl();
    config.pems.apiKey = QString::fromLatin1(PemsSimProcess::defaultApiKey());
    config.pems.timeout = std::chrono::milliseconds(5000);
    config.schedule = *config::CronExpression::parse(u"* * * * *"_s);
    config.rateLimit = 0;
    config.retryDelay = std::chrono::milliseconds(100);
    config.retryJitter = 0.1;
    config.stopTimeout = std::chrono::milliseconds(5000);
    return config;
}

Expected<db::Committed> SyncFixture::commit(const QString& code, int number,
                                            const model::FieldMap& delta,
                                            model::Operation operation, const QString& reason)
{
    db::ModificationRepository modifications(m_db->connection());
    auto draft = modifications.saveDraft({.organizationId = m_organizations.at(code),
                                          .pfaId = pfaId(number),
                                          .userId = m_userId,
                                          .operation = operation,
                                          .delta = delta,
                                          .changeReason = reason},
                                         Actor);
    if (!draft)
        return std::unexpected(draft.error());
    return modifications.commit(draft->id, Actor);
}

Expected<model::SyncStatus> SyncFixture::status(qint64 modificationId)
{
    auto found = db::ModificationRepository(m_db->connection()).find(modificationId);
    if (!found)
        return std::unexpected(found.error());
    return found->status;
}

bool SyncFixture::waitForStatus(qint64 modificationId, model::SyncStatus wanted, int timeoutMs)
{
    return QTest::qWaitFor(
        [&] {
            const auto now = status(modificationId);
            return now && *now == wanted;
        },
        timeoutMs);
}

bool SyncFixture::waitForDrained(int timeoutMs)
{
    return QTest::qWaitFor(
        [&] {
            const auto open = m_db->count(
                u"SELECT count(*) FROM pfa_write_queue WHERE status IN ('pending', 'processing')"_s);
            return open && *open == 0;
        },
        timeoutMs);
}

} // namespace pfa::test
