#include "DemoDecisions.h"

#include "Console.h"
#include "db/ConflictRepository.h"
#include "db/Database.h"
#include "db/ModificationRepository.h"
#include "db/OrganizationRepository.h"
#include "db/UserRepository.h"
#include "model/PfaField.h"
#include "model/WireEnum.h"
#include "shared/PemsSimProcess.h"
#include "sync/ConflictResolver.h"
#include "sync/ReadSync.h"
#include "sync/Reconciler.h"
#include "sync/RollbackService.h"
#include "sync/WriteSyncEngine.h"

#include <QEventLoop>
#include <QNetworkAccessManager>
#include <QTimer>

#include <optional>

using namespace Qt::StringLiterals;
using pfa::model::PfaField;

namespace pfa::app {

namespace {

const QString Resolver = u"li.wei@pfa.example"_s;
const QString Administrator = u"ana.souza@pfa.example"_s;
constexpr int SettleDeadlineMs = 60'000;

bool settled(model::SyncStatus status)
{
    using model::SyncStatus;
    return status == SyncStatus::Synced || status == SyncStatus::Discarded ||
           status == SyncStatus::Failed || status == SyncStatus::Conflict;
}

// Dates of the sample data are whole days: shown as such, the rest as the console shows them.
QString shown(const model::FieldValue& value)
{
    if (const auto* date = std::get_if<QDateTime>(&value); date && date->time() == QTime(0, 0))
        return date->toString(u"yyyy-MM-dd"_s);
    return model::fieldValueToDisplayString(value);
}

QString shown(const model::FieldMap& data, PfaField field)
{
    return shown(model::valueOf(data, field));
}

// Runs `start` with a callback that ends a local event loop, and returns what the callback got.
template<typename Value, typename Start>
Expected<Value> await(Start start)
{
    QEventLoop loop;
    std::optional<Expected<Value>> answer;
    start(&loop, [&](Expected<Value> result) {
        answer = std::move(result);
        loop.quit();
    });
    if (!answer)
        loop.exec();
    return std::move(*answer);
}

} // namespace

DemoDecisions::DemoDecisions(QSqlDatabase db, db::Database& database, QString databaseUrl,
                             PemsSimProcess& sim, sync::WorkerConfig workerConfig,
                             Target rollbackTarget, DemoProgress& progress)
    : m_db(std::move(db))
    , m_database(database)
    , m_databaseUrl(std::move(databaseUrl))
    , m_sim(sim)
    , m_workerConfig(std::move(workerConfig))
    , m_target(std::move(rollbackTarget))
    , m_progress(progress)
{}

Expected<void> DemoDecisions::run()
{
    out() << "\nWhat a sync administrator does next:" << Qt::endl;
    auto resolved = resolveConflicts();
    if (!resolved)
        return std::unexpected(resolved.error());
    auto rollback = rollBackOneRecord();
    if (!rollback)
        return std::unexpected(rollback.error());

    std::vector<qint64> toSend = resolved->modificationIds;
    toSend.push_back(*rollback);
    if (auto sent = sendAndWait(toSend); !sent)
        return sent;
    out() << "  " << resolved->modificationIds.size() << " resolved changes synced, "
          << resolved->discarded << " discarded in favour of PEMS' value" << Qt::endl;
    if (auto checked = reportRollback(*rollback); !checked)
        return checked;
    return pullAndReconcile();
}

Expected<DemoDecisions::Sent> DemoDecisions::resolveConflicts()
{
    auto resolver = db::UserRepository(m_db).findByEmail(Resolver);
    if (!resolver)
        return std::unexpected(resolver.error());
    auto organizations = db::OrganizationRepository(m_db).list();
    if (!organizations)
        return std::unexpected(organizations.error());
    std::vector<model::Conflict> conflicts;
    for (const auto& organization : *organizations) {
        auto open = db::ConflictRepository(m_db).unresolved(organization.id);
        if (!open)
            return std::unexpected(open.error());
        std::ranges::move(*open, std::back_inserter(conflicts));
    }

    m_progress.step(u"Deciding %1 conflicts as %2 (keep mine, take PEMS', merge, in turn)"_s
                        .arg(conflicts.size())
                        .arg(Resolver));
    const sync::ConflictResolver conflictResolver(m_db);
    Sent sent;
    QStringList lines;
    int turn = 0;
    for (const model::Conflict& conflict : conflicts) {
        sync::Resolve request{.conflictId = conflict.id};
        QString line;
        switch (turn++ % 3) {
        case 0:
            request.strategy = model::Resolution::UseLocal;
            line = u"keep mine: forecastEnd %1"_s.arg(
                shown(conflict.localData, PfaField::ForecastEnd));
            break;
        case 1:
            request.strategy = model::Resolution::UsePems;
            line = u"take PEMS': forecastEnd %1"_s.arg(
                shown(conflict.pemsData, PfaField::ForecastEnd));
            break;
        default: {
            // Split the difference the way a planner would: a day after the later of the two.
            request.strategy = model::Resolution::Merge;
            const auto mine = model::valueOf(conflict.localData, PfaField::ForecastEnd);
            const auto theirs = model::valueOf(conflict.pemsData, PfaField::ForecastEnd);
            const auto* mineDate = std::get_if<QDateTime>(&mine);
            const auto* theirDate = std::get_if<QDateTime>(&theirs);
            for (PfaField field : conflict.conflictFields)
                request.choices[field] = {};
            if (mineDate && theirDate) {
                const QDateTime edited = std::max(*mineDate, *theirDate).addDays(1);
                request.choices[PfaField::ForecastEnd] = {sync::FieldChoice::Source::Edited,
                                                          edited};
                line = u"merge: forecastEnd edited to %1 (mine %2, PEMS' %3)"_s.arg(
                    shown(edited), shown(mine), shown(theirs));
            } else {
                line = u"merge: mine for every conflicting field"_s;
            }
        }
        }
        auto outcome = conflictResolver.resolve(request, resolver->id);
        if (!outcome)
            return std::unexpected(outcome.error());
        if (outcome->modification.status == model::SyncStatus::Discarded)
            ++sent.discarded;
        else
            sent.modificationIds.push_back(outcome->modification.id);
        lines << u"  %1 %2"_s.arg(conflict.pfaId, line);
    }
    m_progress.done();
    // One of each strategy is enough to read; the rest went the same way in turn.
    constexpr qsizetype Shown = 3;
    for (const QString& line : lines.mid(0, Shown))
        out() << line << Qt::endl;
    if (lines.size() > Shown)
        out() << "  … and " << lines.size() - Shown << " more, the same three ways in turn"
              << Qt::endl;
    return sent;
}

Expected<qint64> DemoDecisions::rollBackOneRecord()
{
    auto administrator = db::UserRepository(m_db).findByEmail(Administrator);
    if (!administrator)
        return std::unexpected(administrator.error());
    m_progress.step(
        u"Rolling %1 back to version 1 as %2 (administrator)"_s.arg(m_target.pfaId, Administrator));
    const sync::RollbackService rollbacks(m_db);
    // Previewed first, as the console's wizard does; the apply refuses if the record moved since.
    auto plan =
        rollbacks.previewRecord(m_target.organizationId, m_target.pfaId, 1, administrator->id);
    if (!plan)
        return std::unexpected(plan.error());
    auto queued = rollbacks.rollbackRecord({.organizationId = m_target.organizationId,
                                            .pfaId = m_target.pfaId,
                                            .toVersion = 1,
                                            .reason = u"Demo: the planner's changes undone"_s,
                                            .expectedFromVersion = plan->fromVersion},
                                           administrator->id);
    if (!queued)
        return std::unexpected(queued.error());
    m_progress.done();
    for (const model::FieldChange& change : plan->changes) {
        m_restored[change.field] = change.after;
        out() << "  " << model::wireName(change.field) << " " << shown(change.before) << u" → "_s
              << shown(change.after) << " (version " << plan->fromVersion
              << u" → the values of version 1), queued at priority "_s
              << queued->records.front().queueItem.priority << Qt::endl;
    }
    return queued->records.front().modification.id;
}

Expected<void> DemoDecisions::sendAndWait(const std::vector<qint64>& modificationIds)
{
    m_progress.step(u"Letting the write worker send the decisions and the rollback"_s);
    db::Database workerDatabase(m_databaseUrl, u"pfa-sync demo worker"_s);
    sync::WriteSyncEngine engine(workerDatabase, m_workerConfig);
    QEventLoop loop;
    QElapsedTimer wall;
    std::optional<Error> failure;
    QTimer poll;
    poll.setInterval(100);
    QObject::connect(&poll, &QTimer::timeout, &loop, [&] {
        const db::ModificationRepository modifications(m_db);
        for (qint64 id : modificationIds) {
            auto modification = modifications.find(id);
            if (!modification) {
                failure = modification.error();
                loop.quit();
                return;
            }
            if (!settled(modification->status)) {
                if (wall.elapsed() > SettleDeadlineMs) {
                    failure = Error{ErrorCode::Io,
                                    u"modification %1 was not sent within %2 s"_s.arg(id).arg(
                                        SettleDeadlineMs / 1000)};
                    loop.quit();
                }
                return;
            }
        }
        loop.quit();
    });
    QObject::connect(&engine, &sync::WriteSyncEngine::startFailed, &loop,
                     [&](const QString& message) {
                         failure = Error{ErrorCode::Io, message};
                         loop.quit();
                     });
    wall.start();
    engine.start();
    poll.start();
    loop.exec();
    engine.stopAndWait();
    workerDatabase.releaseThreadConnection();
    if (failure)
        return std::unexpected(*failure);
    m_progress.done();

    const db::ModificationRepository modifications(m_db);
    for (qint64 id : modificationIds) {
        auto modification = modifications.find(id);
        if (!modification)
            return std::unexpected(modification.error());
        if (modification->status != model::SyncStatus::Synced)
            return fail(ErrorCode::Internal,
                        u"modification %1 of %2 ended %3, not synced: %4"_s.arg(
                            QString::number(id), modification->pfaId,
                            model::toWire(modification->status), modification->syncError));
    }
    return {};
}

Expected<void> DemoDecisions::reportRollback(qint64 modificationId)
{
    auto pems = m_sim.record(m_target.organizationCode, m_target.pfaId);
    if (!pems)
        return std::unexpected(pems.error());
    const nlohmann::json& data = (*pems)["data"];
    for (const auto& [field, value] : m_restored) {
        const std::string name = model::wireName(field).toStdString();
        if (data.value(name, nlohmann::json()) != model::fieldValueToJson(value))
            return fail(ErrorCode::Internal,
                        u"after rollback modification %1, PEMS holds %2 = %3 for %4, not %5"_s.arg(
                            QString::number(modificationId), model::wireName(field),
                            QString::fromStdString(data.value(name, nlohmann::json()).dump()),
                            m_target.pfaId, model::fieldValueToDisplayString(value)));
    }
    out() << "  Rollback synced: PEMS holds version 1's values of " << m_target.pfaId
          << " again (now version " << (*pems)["version"].get<qint64>() << ")" << Qt::endl;
    return {};
}

Expected<void> DemoDecisions::pullAndReconcile()
{
    auto organizations = db::OrganizationRepository(m_db).list();
    if (!organizations)
        return std::unexpected(organizations.error());
    QNetworkAccessManager network;
    sync::ReadSyncConfig config{.pems = m_workerConfig.pems};

    m_progress.step(u"Pulling PEMS' own changes into the mirror (read sync)"_s);
    std::vector<sync::ReadSyncResult> pulls;
    {
        sync::ReadSync readSync(m_database, &network, config);
        for (const auto& organization : *organizations) {
            auto pulled = await<sync::ReadSyncResult>([&](QObject* context, auto callback) {
                readSync.start(organization.id, context, std::move(callback));
            });
            if (!pulled)
                return std::unexpected(pulled.error());
            pulls.push_back(*pulled);
        }
    }
    m_progress.done();
    for (std::size_t i = 0; i < pulls.size(); ++i) {
        const auto& pull = pulls[i];
        out() << "  " << (*organizations)[i].code << ": " << pull.received << " records read in "
              << pull.pages << (pull.pages == 1 ? " page" : " pages") << ", " << pull.inserted
              << " new, " << pull.updated << " updated, " << pull.tombstones
              << " deleted in PEMS (kept as tombstones)" << Qt::endl;
    }

    m_progress.step(u"Reconciling the mirror with PEMS (a full scan)"_s);
    qint64 drifts = 0;
    qint64 compared = 0;
    QStringList found;
    {
        sync::Reconciler reconciler(m_database, &network, config);
        for (const auto& organization : *organizations) {
            auto report = await<model::DriftReport>([&](QObject* context, auto callback) {
                reconciler.report(organization.id, context, std::move(callback));
            });
            if (!report)
                return std::unexpected(report.error());
            drifts += qint64(report->drifts.size());
            compared += report->pemsRecords;
            for (const model::Drift& drift : report->drifts)
                found << u"%1 %2"_s.arg(organization.code, drift.pfaId);
        }
    }
    m_progress.done();
    out() << "  " << drifts << " differences between the mirror and PEMS over " << compared
          << " live records" << Qt::endl;
    if (!found.isEmpty())
        out() << "  drifted: " << found.join(u", "_s) << Qt::endl;
    return {};
}

} // namespace pfa::app
