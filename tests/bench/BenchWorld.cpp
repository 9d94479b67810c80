#include "BenchWorld.h"

#include "db/MirrorRepository.h"
#include "db/OrganizationRepository.h"
#include "db/Transaction.h"
#include "db/UserRepository.h"
#include "model/SampleRecords.h"
#include "shared/PemsSimProcess.h"

#include <QFile>

using namespace Qt::StringLiterals;
using pfa::model::PfaField;

namespace pfa::bench {

namespace {

const QString Actor = u"pfa-sync-bench"_s;
constexpr int FirstNumber = 10001;
constexpr quint32 RecordSeed = 20261122;

} // namespace

Expected<std::unique_ptr<BenchWorld>> BenchWorld::create(const WorldOptions& options)
{
    std::unique_ptr<BenchWorld> world(new BenchWorld);
    auto database = BenchDatabase::start();
    if (!database)
        return std::unexpected(database.error());
    world->m_database = std::move(*database);
    if (auto seeded = world->seed(options.records); !seeded)
        return std::unexpected(seeded.error());
    auto seedFile = world->writeSeedFile();
    if (!seedFile)
        return std::unexpected(seedFile.error());
    world->m_sim = std::make_unique<app::PemsSimProcess>();
    if (auto started =
            world->m_sim->start(QStringList{u"--seed-file"_s, *seedFile} + options.simArguments);
        !started)
        return std::unexpected(started.error());
    return world;
}

BenchWorld::~BenchWorld()
{
    if (m_sim && m_sim->isRunning())
        (void)m_sim->stop();
}

Expected<void> BenchWorld::seed(int records)
{
    const QSqlDatabase& db = m_database->connection();
    // One transaction: a durable commit per record would make seeding 10,000 records take minutes.
    auto transaction = db::Transaction::begin(db);
    if (!transaction)
        return std::unexpected(transaction.error());
    auto user = db::UserRepository(db).create(
        {u"bench.planner@pfa.example"_s, u"Bench Planner"_s, false}, Actor);
    if (!user)
        return std::unexpected(user.error());
    m_userId = user->id;
    m_userEmail = user->email;
    const QString code = QString::fromLatin1(OrganizationCode);
    auto organization =
        db::OrganizationRepository(db).create(code, u"Benchmark Construction"_s, Actor);
    if (!organization)
        return std::unexpected(organization.error());
    m_organizationId = organization->id;
    if (auto granted =
            db::UserRepository(db).grant(m_userId, {m_organizationId, true, true}, Actor);
        !granted)
        return std::unexpected(granted.error());

    m_records = model::SampleRecords::generate(code, FirstNumber, records, RecordSeed);
    const db::MirrorRepository mirror(db);
    for (const model::FieldMap& data : m_records) {
        auto stored = mirror.store({.organizationId = m_organizationId,
                                    .pfaId = std::get<QString>(data.at(PfaField::PfaId)),
                                    .version = 1,
                                    .data = data,
                                    .pemsUpdatedAt = QDateTime::currentDateTimeUtc(),
                                    .source = model::HistorySource::Pull,
                                    .actor = u"pems"_s});
        if (!stored)
            return std::unexpected(stored.error());
    }
    return transaction->commit();
}

Expected<QString> BenchWorld::writeSeedFile() const
{
    if (!m_dir.isValid())
        return fail(ErrorCode::Io, u"cannot create a temporary directory"_s);
    nlohmann::json records = nlohmann::json::array();
    for (const model::FieldMap& data : m_records)
        records.push_back(model::fieldMapToJson(data));
    const QString path = m_dir.filePath(u"pems-sim-seed.json"_s);
    QFile file(path);
    if (!file.open(QIODevice::WriteOnly | QIODevice::Truncate))
        return fail(ErrorCode::Io, u"cannot write %1: %2"_s.arg(path, file.errorString()));
    const QByteArray text = QByteArray::fromStdString(records.dump());
    if (file.write(text) != text.size() || !file.flush())
        return fail(ErrorCode::Io, u"cannot write %1: %2"_s.arg(path, file.errorString()));
    return path;
}

Expected<db::Committed> BenchWorld::commitChange(int index, int change)
{
    const model::FieldMap& record = m_records.at(std::size_t(index));
    const auto forecastEnd = std::get<QDateTime>(record.at(PfaField::ForecastEnd));
    const db::ModificationRepository modifications(m_database->connection());
    auto draft = modifications.saveDraft(
        {.organizationId = m_organizationId,
         .pfaId = std::get<QString>(record.at(PfaField::PfaId)),
         .userId = m_userId,
         .delta = {{PfaField::ForecastEnd, forecastEnd.addDays(7 + change)}},
         .changeReason =
             change == 0 ? u"Weather delay on site"_s : u"Crane availability moved again"_s},
        m_userEmail);
    if (!draft)
        return std::unexpected(draft.error());
    return modifications.commit(draft->id, m_userEmail);
}

Expected<int> BenchWorld::commitAll(int records, int perRecord)
{
    auto transaction = db::Transaction::begin(m_database->connection());
    if (!transaction)
        return std::unexpected(transaction.error());
    int committed = 0;
    // Record by record, so a record's changes are queued in the order they were made.
    for (int index = 0; index < records; ++index) {
        for (int change = 0; change < perRecord; ++change) {
            auto queued = commitChange(index, change);
            if (!queued)
                return std::unexpected(queued.error());
            ++committed;
        }
    }
    if (auto done = transaction->commit(); !done)
        return std::unexpected(done.error());
    return committed;
}

} // namespace pfa::bench
