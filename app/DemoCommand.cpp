#include "DemoCommand.h"

#include "Console.h"
#include "DemoDecisions.h"
#include "db/Database.h"
#include "db/LocalPostgres.h"
#include "db/MigrationRunner.h"
#include "db/MirrorRepository.h"
#include "db/ModificationRepository.h"
#include "db/OrganizationRepository.h"
#include "db/Sql.h"
#include "db/SyncStatusRepository.h"
#include "db/Transaction.h"
#include "db/UserRepository.h"
#include "model/IsoDateTime.h"
#include "model/SampleRecords.h"
#include "shared/PemsSimProcess.h"
#include "sync/WriteSyncEngine.h"

#include <QCoreApplication>
#include <QDir>
#include <QEventLoop>
#include <QFile>
#include <QLoggingCategory>
#include <QTemporaryDir>
#include <QTimer>

#include <array>
#include <unistd.h>

using namespace Qt::StringLiterals;
using pfa::model::PfaField;

namespace pfa::app {

namespace {

const QString Actor = u"demo-seed"_s;
const QString DemoDatabase = u"pfa_demo"_s;
// PEMS_API_RATE_LIMIT is 10 requests/s by default; at that pace a thousand changes take 100 s.
constexpr int DemoRateLimit = 250;
constexpr int SyncDeadlineMs = 180'000;

struct DemoOrganization
{
    QString code;
    QString name;
    int firstNumber;
};

const std::array Organizations{
    DemoOrganization{u"RIO"_s, u"Rio de Janeiro Refinery Expansion"_s, 10001},
    DemoOrganization{u"HOU"_s, u"Houston Petrochemical Complex"_s, 20001},
    DemoOrganization{u"PER"_s, u"Perth LNG Terminal"_s, 30001},
};

// What the demo does with the record at `index` of its organization.
bool editedInPemsElsewhere(int index) // PEMS changed another field first: rebased automatically
{
    return index % 40 == 5;
}
bool editedInPemsSameField(int index) // PEMS changed the same field first: a conflict
{
    return index % 40 == 6;
}
bool deletedInPems(int index) // PEMS deleted it: the change is rejected (404)
{
    return index % 100 == 17;
}
int changesFor(int index) // a few records get three changes in a row: coalesced into one request
{
    return index % 10 == 3 ? 3 : 1;
}

int failWith(const Error& error)
{
    err() << "\npfa-sync --demo: " << error.message << Qt::endl;
    return 1;
}

Expected<void> ensureDatabase(db::LocalPostgres& cluster)
{
    db::Database admin(cluster.databaseUrl(u"postgres"_s), u"pfa-sync demo"_s);
    auto connection = admin.connection();
    if (!connection)
        return std::unexpected(connection.error());
    auto exists = db::runQuery(*connection, u"look for the demo database",
                               u"SELECT 1 FROM pg_database WHERE datname = :name"_s,
                               {{"name"_L1, DemoDatabase}});
    if (!exists)
        return std::unexpected(exists.error());
    if (exists->next())
        return {};
    auto created =
        db::runStatement(*connection, u"create the demo database", u"CREATE DATABASE pfa_demo"_s);
    if (!created)
        return std::unexpected(created.error());
    return {};
}

QDateTime forecastEnd(const model::FieldMap& data)
{
    return std::get<QDateTime>(data.at(PfaField::ForecastEnd));
}

QString seconds(qint64 ms)
{
    return DemoProgress::seconds(ms);
}

sync::WorkerConfig workerConfig(const PemsSimProcess& sim)
{
    sync::WorkerConfig config;
    config.workerId = u"demo-worker"_s;
    config.pems.baseUrl = sim.baseUrl();
    config.pems.apiKey = QString::fromLatin1(PemsSimProcess::defaultApiKey());
    config.schedule = *config::CronExpression::parse(u"*/1 * * * *"_s);
    config.rateLimit = DemoRateLimit;
    return config;
}

} // namespace

DemoCommand::DemoCommand(Invocation invocation)
    : m_invocation(std::move(invocation))
{}

void DemoCommand::step(const QString& what)
{
    m_progress.step(what);
}

void DemoCommand::done()
{
    m_progress.done();
}

int DemoCommand::run()
{
    m_total.start();
    // The progress line and the summary are the output; routine engine logs would interleave.
    QLoggingCategory::setFilterRules(u"pfa.*.info=false\npfa.sync.warning=false"_s);
    const bool keep = !m_invocation.dataDir.isEmpty();
    db::LocalPostgres cluster({.dataDir = m_invocation.dataDir, .fastUnsafe = !keep});
    QTemporaryDir scratch;
    const QString stateDir = keep ? m_invocation.dataDir : scratch.path();

    step(u"Starting a private PostgreSQL cluster"_s);
    if (auto started = cluster.start(); !started)
        return failWith(started.error());
    done();
    if (auto created = ensureDatabase(cluster); !created)
        return failWith(created.error());

    const QString databaseUrl = cluster.databaseUrl(DemoDatabase);
    {
        db::Database database(databaseUrl, u"pfa-sync demo"_s);
        auto connection = database.connection();
        if (!connection)
            return failWith(connection.error());

        step(u"Applying migrations"_s);
        auto runner = db::MigrationRunner::bundled();
        if (!runner)
            return failWith(runner.error());
        auto report = runner->migrate(*connection);
        if (!report)
            return failWith(report.error());
        done();

        auto organizations = db::OrganizationRepository(*connection).list();
        if (!organizations)
            return failWith(organizations.error());
        const bool fresh = organizations->empty();
        const QString snapshot = QDir(stateDir).filePath(u"pems-sim-snapshot.json"_s);
        if (fresh) {
            step(u"Seeding %1 organizations with %2 records each"_s.arg(Organizations.size())
                     .arg(m_invocation.recordsPerOrganization));
            if (auto seeded = seed(*connection); !seeded)
                return failWith(seeded.error());
            done();
        } else {
            if (!QFile::exists(snapshot))
                return failWith({ErrorCode::Config,
                                 u"%1 holds demo data but not pems-sim's matching snapshot %2;"
                                 " remove the directory to start over"_s.arg(stateDir, snapshot)});
            auto planner =
                db::UserRepository(*connection).findByEmail(u"james.carter@pfa.example"_s);
            if (!planner)
                return failWith(planner.error());
            m_plannerId = planner->id;
            m_plannerEmail = planner->email;
            for (const auto& organization : *organizations) {
                auto records = db::MirrorRepository(*connection).records(organization.id);
                if (!records)
                    return failWith(records.error());
                int index = 0;
                for (auto& record : *records)
                    m_records.push_back(
                        {organization.id, organization.code, index++, std::move(record.data)});
            }
            out() << "Sample data already present in " << cluster.dataDirectory()
                  << "; syncing another round of changes." << Qt::endl;
        }

        const QString seedFile = QDir(stateDir).filePath(u"pems-sim-seed.json"_s);
        if (fresh) {
            if (auto written = writeSeedFile(seedFile); !written)
                return failWith(written.error());
        }
        step(u"Starting pems-sim with the same records (its rate limit and the worker's raised"
             " to %1 requests/s for the demo; the default PEMS_API_RATE_LIMIT is 10)"_s.arg(
                 DemoRateLimit));
        PemsSimProcess sim;
        QStringList arguments{u"--rate-limit"_s, QString::number(DemoRateLimit)};
        if (keep)
            arguments << u"--snapshot"_s << snapshot;
        if (fresh)
            arguments << u"--seed-file"_s << seedFile;
        if (auto started = sim.start(arguments); !started)
            return failWith(started.error());
        done();

        int edited = 0;
        int deleted = 0;
        step(u"Changing records on the PEMS side first"_s);
        if (auto changed = editOnPemsSide(sim, edited, deleted); !changed)
            return failWith(changed.error());
        done();
        out() << "  " << edited << " records edited in PEMS, " << deleted << " deleted in PEMS"
              << Qt::endl;

        step(u"Committing modifications as james.carter@pfa.example"_s);
        m_commitStart = QDateTime::currentDateTimeUtc().addSecs(-1);
        auto committed = commitModifications(*connection);
        if (!committed)
            return failWith(committed.error());
        done();
        out() << "  " << *committed << " modifications queued" << Qt::endl;

        if (auto synced = syncAndReport(*connection, databaseUrl, sim, *committed); !synced)
            return failWith(synced.error());
        DemoDecisions decisions(*connection, database, databaseUrl, sim, workerConfig(sim),
                                rollbackTarget(), m_progress);
        if (auto decided = decisions.run(); !decided)
            return failWith(decided.error());
        if (auto stopped = sim.stop(); !stopped)
            return failWith(stopped.error());
    }

    if (auto stopped = cluster.stop(); !stopped)
        return failWith(stopped.error());
    out() << "\nDone in " << seconds(m_total.elapsed()) << " s. ";
    if (keep)
        out() << "The cluster and pems-sim's state are kept in " << m_invocation.dataDir
              << " and re-used next time." << Qt::endl;
    else
        out() << "The cluster was temporary and is gone (keep one with --data-dir DIR)."
              << Qt::endl;
    return 0;
}

DemoDecisions::Target DemoCommand::rollbackTarget() const
{
    // A record the planner changed three times in a row and PEMS left alone: the rollback
    // undoes all three at once.
    const auto record = std::ranges::find_if(m_records, [](const DemoRecord& r) {
        return changesFor(r.index) > 1 && !editedInPemsElsewhere(r.index) &&
               !editedInPemsSameField(r.index) && !deletedInPems(r.index);
    });
    if (record == m_records.end())
        return {m_records.front().organizationId, m_records.front().organizationCode,
                std::get<QString>(m_records.front().data.at(PfaField::PfaId))};
    return {record->organizationId, record->organizationCode,
            std::get<QString>(record->data.at(PfaField::PfaId))};
}

Expected<void> DemoCommand::seed(const QSqlDatabase& db)
{
    auto transaction = db::Transaction::begin(db);
    if (!transaction)
        return std::unexpected(transaction.error());

    db::UserRepository users(db);
    auto admin = users.create({u"ana.souza@pfa.example"_s, u"Ana Souza"_s, true}, Actor);
    auto planner = users.create({u"james.carter@pfa.example"_s, u"James Carter"_s, false}, Actor);
    auto resolver = users.create({u"li.wei@pfa.example"_s, u"Li Wei"_s, false}, Actor);
    for (const auto* user : {&admin, &planner, &resolver}) {
        if (!*user)
            return std::unexpected(user->error());
    }
    m_plannerId = planner->id;
    m_plannerEmail = planner->email;

    db::MirrorRepository mirror(db);
    quint32 seed = 20261122;
    for (const DemoOrganization& demo : Organizations) {
        auto organization = db::OrganizationRepository(db).create(demo.code, demo.name, Actor);
        if (!organization)
            return std::unexpected(organization.error());
        const qint64 orgId = organization->id;
        for (auto [user, sync, resolve] :
             {std::tuple{&*admin, true, true}, std::tuple{&*planner, true, false},
              std::tuple{&*resolver, true, true}}) {
            if (auto granted = users.grant(user->id, {orgId, sync, resolve}, Actor); !granted)
                return std::unexpected(granted.error());
        }
        const auto records = model::SampleRecords::generate(
            demo.code, demo.firstNumber, m_invocation.recordsPerOrganization, seed++);
        for (std::size_t i = 0; i < records.size(); ++i) {
            auto stored = mirror.store({.organizationId = orgId,
                                        .pfaId = std::get<QString>(records[i].at(PfaField::PfaId)),
                                        .version = 1,
                                        .data = records[i],
                                        .pemsUpdatedAt = QDateTime::currentDateTimeUtc(),
                                        .source = model::HistorySource::Pull,
                                        .actor = u"pems"_s});
            if (!stored)
                return std::unexpected(stored.error());
            m_records.push_back({orgId, demo.code, int(i), records[i]});
        }
    }
    return transaction->commit();
}

Expected<void> DemoCommand::writeSeedFile(const QString& path) const
{
    nlohmann::json records = nlohmann::json::array();
    for (const DemoRecord& record : m_records)
        records.push_back(model::fieldMapToJson(record.data));
    QFile file(path);
    if (!file.open(QIODevice::WriteOnly | QIODevice::Truncate))
        return fail(ErrorCode::Io, u"cannot write %1: %2"_s.arg(path, file.errorString()));
    file.write(QByteArray::fromStdString(records.dump()));
    return {};
}

Expected<void> DemoCommand::editOnPemsSide(PemsSimProcess& sim, int& edited, int& deleted)
{
    for (const DemoRecord& record : m_records) {
        const QString pfaId = std::get<QString>(record.data.at(PfaField::PfaId));
        if (deletedInPems(record.index)) {
            auto gone = sim.deleteRecord(record.organizationCode, pfaId);
            if (!gone)
                return std::unexpected(gone.error());
            ++deleted;
        } else if (editedInPemsElsewhere(record.index)) {
            auto changed = sim.editRecord(record.organizationCode, pfaId,
                                          {{"description", "Inspected on site: tag renewed"}});
            if (!changed)
                return std::unexpected(changed.error());
            ++edited;
        } else if (editedInPemsSameField(record.index)) {
            const QString end = model::toIsoUtc(forecastEnd(record.data).addDays(3));
            auto changed = sim.editRecord(record.organizationCode, pfaId,
                                          {{"forecastEnd", end.toStdString()}});
            if (!changed)
                return std::unexpected(changed.error());
            ++edited;
        }
    }
    return {};
}

Expected<int> DemoCommand::commitModifications(const QSqlDatabase& db)
{
    // One transaction for the whole set: the worker sees them all at once, as after a bulk edit.
    auto transaction = db::Transaction::begin(db);
    if (!transaction)
        return std::unexpected(transaction.error());
    db::ModificationRepository modifications(db);
    int committed = 0;
    for (const DemoRecord& record : m_records) {
        const QString pfaId = std::get<QString>(record.data.at(PfaField::PfaId));
        // On a re-run, a record still held by an earlier conflict or dead letter is left alone.
        auto earlier = modifications.forRecord(record.organizationId, pfaId);
        if (!earlier)
            return std::unexpected(earlier.error());
        if (std::ranges::any_of(*earlier, [](const model::Modification& m) {
                return !model::isTerminal(m.status) && m.status != model::SyncStatus::Draft;
            }))
            continue;
        for (int change = 0; change < changesFor(record.index); ++change) {
            auto draft = modifications.saveDraft(
                {.organizationId = record.organizationId,
                 .pfaId = pfaId,
                 .userId = m_plannerId,
                 .delta = {{PfaField::ForecastEnd, forecastEnd(record.data).addDays(7 + change)}},
                 .changeReason = change == 0 ? u"Weather delay on site"_s
                                             : u"Crane availability moved again"_s},
                m_plannerEmail);
            if (!draft)
                return std::unexpected(draft.error());
            auto queued = modifications.commit(draft->id, m_plannerEmail);
            if (!queued)
                return std::unexpected(queued.error());
            if (m_firstModification == 0)
                m_firstModification = queued->modification.id;
            ++committed;
        }
    }
    auto done = transaction->commit();
    if (!done)
        return std::unexpected(done.error());
    return committed;
}

Expected<void> DemoCommand::syncAndReport(const QSqlDatabase& db, const QString& databaseUrl,
                                          PemsSimProcess& sim, int committed)
{
    db::Database workerDatabase(databaseUrl, u"pfa-sync demo worker"_s);
    const sync::WorkerConfig config = workerConfig(sim);
    sync::WriteSyncEngine engine(workerDatabase, config);

    const QDateTime since = m_commitStart;
    const bool interactive = ::isatty(STDOUT_FILENO) == 1;
    QElapsedTimer wall;
    QEventLoop loop;
    std::optional<Error> failure;
    db::SyncStatusSummary last;
    qint64 lastPrinted = -1;

    QTimer poll;
    poll.setInterval(200);
    QObject::connect(&poll, &QTimer::timeout, &loop, [&] {
        auto summary = db::SyncStatusRepository(db).summary({.since = since});
        if (!summary) {
            failure = summary.error();
            loop.quit();
            return;
        }
        last = *summary;
        const qint64 settled = last.completed + last.failed + last.conflicts;
        const double rate =
            double(last.completed) * 1000.0 / double(std::max<qint64>(1, wall.elapsed()));
        const QString line =
            u"  %1 s  synced %2/%3 · auto-merged %4 · conflicts %5 · dead letters %6 · %7 changes/s"_s
                .arg(seconds(wall.elapsed()), 5)
                .arg(last.completed)
                .arg(committed)
                .arg(last.autoMerged)
                .arg(last.conflicts)
                .arg(last.failed)
                .arg(qint64(rate));
        if (interactive)
            out() << "\r" << line << Qt::flush;
        else if (wall.elapsed() / 1000 != lastPrinted / 1000 || settled >= committed) {
            out() << line << Qt::endl;
        }
        lastPrinted = wall.elapsed();
        if (last.pending + last.processing == 0 && settled >= committed)
            loop.quit();
        else if (wall.elapsed() > SyncDeadlineMs) {
            failure = Error{ErrorCode::Io,
                            u"the sync did not finish within %1 s"_s.arg(SyncDeadlineMs / 1000)};
            loop.quit();
        }
    });
    QObject::connect(&engine, &sync::WriteSyncEngine::startFailed, &loop,
                     [&](const QString& message) {
                         failure = Error{ErrorCode::Io, message};
                         loop.quit();
                     });
    out() << "Syncing with the write worker (" << config.maxInFlight << " requests in flight, "
          << DemoRateLimit << " requests/s):" << Qt::endl;
    wall.start();
    engine.start();
    poll.start();
    loop.exec();
    poll.stop();
    const qint64 wallMs = wall.elapsed();
    if (interactive)
        out() << Qt::endl;
    engine.stopAndWait();
    workerDatabase.releaseThreadConnection();
    if (failure)
        return std::unexpected(*failure);

    out() << "\n"
          << u"%1  %2  %3  %4  %5  %6"_s.arg(u"Org"_s, -4)
                 .arg(u"Committed"_s, 9)
                 .arg(u"Synced"_s, 7)
                 .arg(u"Auto-merged"_s, 11)
                 .arg(u"Conflicts"_s, 9)
                 .arg(u"Dead letters"_s, 12)
          << "\n";
    auto organizations = db::OrganizationRepository(db).list();
    if (!organizations)
        return std::unexpected(organizations.error());
    for (const auto& organization : *organizations) {
        auto summary = db::SyncStatusRepository(db).summary(
            {.organizationId = organization.id, .since = since});
        if (!summary)
            return std::unexpected(summary.error());
        out() << u"%1  %2  %3  %4  %5  %6"_s.arg(organization.code, -4)
                     .arg(summary->completed + summary->failed + summary->conflicts, 9)
                     .arg(summary->completed, 7)
                     .arg(summary->autoMerged, 11)
                     .arg(summary->conflicts, 9)
                     .arg(summary->failed, 12)
              << "\n";
    }
    out() << u"%1  %2  %3  %4  %5  %6"_s.arg(u"All"_s, -4)
                 .arg(committed, 9)
                 .arg(last.completed, 7)
                 .arg(last.autoMerged, 11)
                 .arg(last.conflicts, 9)
                 .arg(last.failed, 12)
          << "\n";
    auto stats = sim.stats();
    if (!stats)
        return std::unexpected(stats.error());
    out() << "\nWall time " << seconds(wallMs) << " s for " << committed << " modifications in "
          << (*stats)["requests"].value("PUT 200", 0) << " PUT requests (changes to one record"
          << " that were ready together went out as one); busiest second at PEMS: "
          << (*stats)["maxRequestsInAnySecond"].get<int>() << " requests (limit " << DemoRateLimit
          << "); changes applied twice: " << (*stats)["duplicateApplications"].get<int>() << "."
          << Qt::endl;
    out() << "Dead letters are changes PEMS refused (here: records deleted in PEMS); they wait"
             " for an operator to retry or discard them."
          << Qt::endl;
    return {};
}

} // namespace pfa::app
