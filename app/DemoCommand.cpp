#include "DemoCommand.h"

#include "Console.h"
#include "db/Database.h"
#include "db/LocalPostgres.h"
#include "db/MigrationRunner.h"
#include "db/MirrorRepository.h"
#include "db/ModificationRepository.h"
#include "db/OrganizationRepository.h"
#include "db/QueueRepository.h"
#include "db/Sql.h"
#include "db/Transaction.h"
#include "db/UserRepository.h"
#include "model/SampleRecords.h"

#include <QLoggingCategory>

#include <array>

using namespace Qt::StringLiterals;

namespace pfa::app {

namespace {

const QString Actor = u"demo-seed"_s;
const QString DemoDatabase = u"pfa_demo"_s;

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

} // namespace

DemoCommand::DemoCommand(Invocation invocation)
    : m_invocation(std::move(invocation))
{}

void DemoCommand::step(const QString& what)
{
    out() << what << u"…"_s << Qt::flush;
    m_step.start();
}

void DemoCommand::done()
{
    out() << " done (" << QString::number(m_step.elapsed() / 1000.0, 'f', 1) << " s)" << Qt::endl;
}

int DemoCommand::run()
{
    m_total.start();
    // The summary is the output here; routine progress of the engine would only interleave.
    QLoggingCategory::setFilterRules(u"pfa.*.info=false"_s);
    const bool keep = !m_invocation.dataDir.isEmpty();
    db::LocalPostgres cluster({.dataDir = m_invocation.dataDir, .fastUnsafe = !keep});

    step(u"Starting a private PostgreSQL cluster"_s);
    if (auto started = cluster.start(); !started)
        return failWith(started.error());
    done();
    if (auto created = ensureDatabase(cluster); !created)
        return failWith(created.error());

    {
        db::Database database(cluster.databaseUrl(DemoDatabase), u"pfa-sync demo"_s);
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
        if (organizations->empty()) {
            step(u"Seeding %1 organizations with %2 records each"_s.arg(Organizations.size())
                     .arg(m_invocation.recordsPerOrganization));
            if (auto seeded = seed(*connection); !seeded)
                return failWith(seeded.error());
            done();
        } else {
            out() << "Sample data already present in " << cluster.dataDirectory()
                  << "; not seeding again." << Qt::endl;
        }
        if (auto printed = printSummary(*connection); !printed)
            return failWith(printed.error());
    }

    if (auto stopped = cluster.stop(); !stopped)
        return failWith(stopped.error());
    out() << "\nDone in " << QString::number(m_total.elapsed() / 1000.0, 'f', 1) << " s. ";
    if (keep)
        out() << "The cluster is kept in " << m_invocation.dataDir << " and re-used next time."
              << Qt::endl;
    else
        out() << "The cluster was temporary and is gone (keep one with --data-dir DIR)."
              << Qt::endl;
    return 0;
}

Expected<void> DemoCommand::seed(const QSqlDatabase& db) const
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

    db::MirrorRepository mirror(db);
    db::ModificationRepository modifications(db);
    quint32 seed = 20261122;
    for (const DemoOrganization& demo : Organizations) {
        auto organization = db::OrganizationRepository(db).create(demo.code, demo.name, Actor);
        if (!organization)
            return std::unexpected(organization.error());
        const qint64 orgId = organization->id;
        for (auto [user, sync, resolve] :
             {std::tuple{&*admin, true, true}, std::tuple{&*planner, demo.code != u"PER"_s, false},
              std::tuple{&*resolver, true, demo.code == u"PER"_s}}) {
            if (auto granted = users.grant(user->id, {orgId, sync, resolve}, Actor); !granted)
                return std::unexpected(granted.error());
        }

        const auto records = model::SampleRecords::generate(
            demo.code, demo.firstNumber, m_invocation.recordsPerOrganization, seed++);
        for (size_t i = 0; i < records.size(); ++i) {
            const QString pfaId = std::get<QString>(records[i].at(model::PfaField::PfaId));
            model::FieldMap data = records[i];
            auto stored = mirror.store({.organizationId = orgId,
                                        .pfaId = pfaId,
                                        .version = 1,
                                        .data = data,
                                        .pemsUpdatedAt = QDateTime::currentDateTimeUtc(),
                                        .source = model::HistorySource::Pull,
                                        .actor = u"pems"_s});
            if (!stored)
                return std::unexpected(stored.error());
            // Some records have moved in PEMS since they were first pulled: give them history.
            if (i % 4 == 1) {
                const auto end = std::get<QDateTime>(data[model::PfaField::ForecastEnd]);
                data[model::PfaField::ForecastEnd] = end.addDays(14);
                auto moved = mirror.store({.organizationId = orgId,
                                           .pfaId = pfaId,
                                           .version = 2,
                                           .data = data,
                                           .pemsUpdatedAt = QDateTime::currentDateTimeUtc(),
                                           .source = model::HistorySource::Pull,
                                           .actor = u"pems"_s});
                if (!moved)
                    return std::unexpected(moved.error());
            }
            // A planner's work in progress: drafts, and a few changes already committed.
            if (i % 20 == 3 || i % 40 == 7) {
                const auto end =
                    std::get<QDateTime>((*stored).data.at(model::PfaField::ForecastEnd));
                auto draft = modifications.saveDraft(
                    {.organizationId = orgId,
                     .pfaId = pfaId,
                     .userId = planner->id,
                     .delta = {{model::PfaField::ForecastEnd, end.addDays(7)}},
                     .changeReason = u"Weather delay on site"_s},
                    planner->email);
                if (!draft)
                    return std::unexpected(draft.error());
                if (i % 40 == 7) {
                    auto committed = modifications.commit(draft->id, planner->email);
                    if (!committed)
                        return std::unexpected(committed.error());
                }
            }
        }
    }
    return transaction->commit();
}

Expected<void> DemoCommand::printSummary(const QSqlDatabase& db) const
{
    auto organizations = db::OrganizationRepository(db).list();
    if (!organizations)
        return std::unexpected(organizations.error());
    out() << "\n"
          << u"%1  %2  %3  %4  %5"_s.arg(u"Org"_s, -4)
                 .arg(u"Name"_s, -36)
                 .arg(u"Records"_s, 8)
                 .arg(u"Drafts"_s, 7)
                 .arg(u"Queued"_s, 7)
          << "\n";
    for (const model::Organization& organization : *organizations) {
        auto records = db::MirrorRepository(db).count(organization.id);
        auto drafts = db::ModificationRepository(db).drafts(organization.id);
        auto queue = db::QueueRepository(db).countsByStatus(organization.id);
        if (!records || !drafts || !queue)
            return std::unexpected(!records  ? records.error()
                                   : !drafts ? drafts.error()
                                             : queue.error());
        out() << u"%1  %2  %3  %4  %5"_s.arg(organization.code, -4)
                     .arg(organization.name, -36)
                     .arg(*records, 8)
                     .arg(qint64(drafts->size()), 7)
                     .arg((*queue)[model::QueueStatus::Pending], 7)
              << "\n";
    }
    out() << "\nUsers: ana.souza@pfa.example (admin), james.carter@pfa.example (planner),"
             " li.wei@pfa.example (resolver)."
          << Qt::endl;
    return {};
}

} // namespace pfa::app
