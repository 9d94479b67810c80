#include "sync/BatchClaimer.h"

#include "db/Database.h"
#include "db/JobRepository.h"
#include "sync/BatchPlanner.h"
#include "sync/SyncLog.h"

using namespace Qt::StringLiterals;

namespace pfa::sync {

BatchClaimer::BatchClaimer(db::Database& database, WorkerConfig config,
                           std::shared_ptr<SyncMetrics> metrics,
                           std::shared_ptr<CycleJobs> cycleJobs)
    : m_database(database)
    , m_config(std::move(config))
    , m_metrics(std::move(metrics))
    , m_cycleJobs(std::move(cycleJobs))
{}

BatchClaimer::~BatchClaimer() = default;

bool BatchClaimer::ensureConnection()
{
    if (m_batches)
        return true;
    // A lost session stays closed; asking for the thread's connection again reopens it.
    auto connection = m_database.connection();
    if (!connection) {
        qCWarning(lcSync).noquote() << "database:" << connection.error().message;
        return false;
    }
    m_batches = std::make_unique<db::WriteBatchRepository>(*connection, m_config.workerId);
    return true;
}

void BatchClaimer::trouble(ClaimedBatch& batch, const Error& error)
{
    qCWarning(lcSync).noquote() << "database:" << error.message;
    batch.trouble = true;
    m_batches.reset();
}

ClaimedBatch BatchClaimer::claim(int limit)
{
    ClaimedBatch batch;
    if (!ensureConnection()) {
        batch.trouble = true;
        return batch;
    }
    auto claimed = m_batches->claim(limit, m_config.lease);
    if (!claimed) {
        trouble(batch, claimed.error());
        return batch;
    }
    std::set<std::pair<qint64, QString>> records;
    for (const auto& item : *claimed) {
        records.emplace(item.organizationId, item.pfaId);
        batch.organizations.insert(item.organizationId);
    }
    batch.records = int(records.size());

    // A redriven record is re-read before anything of it is decided; the items queued behind its
    // head wait untouched.
    std::set<std::pair<qint64, QString>> refreshing;
    std::vector<db::ClaimedItem> toDecide;
    std::vector<qint64> waiting;
    for (auto& item : *claimed) {
        const std::pair<qint64, QString> record{item.organizationId, item.pfaId};
        if (item.refreshFirst && !refreshing.contains(record)) {
            refreshing.insert(record);
            batch.refresh.push_back(std::move(item));
        } else if (refreshing.contains(record)) {
            waiting.push_back(item.queueId);
        } else {
            toDecide.push_back(std::move(item));
        }
    }
    if (auto released = m_batches->release(waiting); !released) {
        trouble(batch, released.error());
        return batch;
    }
    if (!toDecide.empty())
        decide(std::move(toDecide), batch);
    return batch;
}

void BatchClaimer::decide(std::vector<db::ClaimedItem> claimed, ClaimedBatch& batch)
{
    std::vector<qint64> claimedIds;
    for (const auto& item : claimed)
        claimedIds.push_back(item.queueId);
    auto plan = BatchPlanner::plan(std::move(claimed), [this](const db::ClaimedItem& item) {
        return m_batches->changesSince(item);
    });
    if (!plan) {
        (void)m_batches->release(claimedIds);
        trouble(batch, plan.error());
        return;
    }

    // Every item that is decided about goes queued → syncing first (the state machine's path to
    // synced, conflict and failed alike); released and retired items stay as they are.
    std::vector<db::WriteBatchRepository::Start> starts;
    for (const auto& group : plan->groups) {
        for (const auto& item : group.items)
            starts.push_back({.item = &item,
                              .jobId = item.jobId ? std::nullopt : cycleJob(item.organizationId),
                              .sendVersion = group.version,
                              .coalescedInto = &item == &group.head()
                                                   ? std::nullopt
                                                   : std::optional(group.head().queueId)});
    }
    for (const auto& conflict : plan->conflicts)
        starts.push_back(
            {.item = &conflict.item,
             .jobId = conflict.item.jobId ? std::nullopt : cycleJob(conflict.item.organizationId)});
    for (const auto& failure : plan->failures)
        starts.push_back(
            {.item = &failure.item,
             .jobId = failure.item.jobId ? std::nullopt : cycleJob(failure.item.organizationId)});
    auto startedIds = m_batches->start(starts);
    if (!startedIds) {
        (void)m_batches->release(claimedIds);
        trouble(batch, startedIds.error());
        return;
    }
    const std::set<qint64> started(startedIds->begin(), startedIds->end());
    auto wasStarted = [&](const db::ClaimedItem& item) {
        return started.contains(item.modificationId);
    };

    // From here on the items are started: a failing statement leaves them leased, and the worker
    // takes them back when it restarts or the lease expires.
    std::vector<qint64> retire = plan->retire;
    std::vector<db::SettledItem> settled;
    for (const auto& failure : plan->failures) {
        if (!wasStarted(failure.item)) {
            retire.push_back(failure.item.queueId);
            continue;
        }
        m_metrics->itemsFailed.fetch_add(1, std::memory_order_relaxed);
        m_metrics->countError(failure.failureClass);
        settled.push_back({.queueId = failure.item.queueId,
                           .modificationId = failure.item.modificationId,
                           .requeue = false,
                           .error = failure.error,
                           .failureClass = failure.failureClass,
                           .modificationStatus = model::SyncStatus::Failed});
    }
    if (auto done = m_batches->settle(settled); !done)
        trouble(batch, done.error());
    for (const auto& conflict : plan->conflicts) {
        if (!m_batches)
            break;
        if (!wasStarted(conflict.item)) {
            retire.push_back(conflict.item.queueId);
            continue;
        }
        if (auto raised = m_batches->raiseConflict(conflict.item, conflict.record, std::nullopt);
            !raised) {
            trouble(batch, raised.error());
        } else {
            m_metrics->conflicts.fetch_add(1, std::memory_order_relaxed);
            m_metrics->countError(model::FailureClass::Conflict);
        }
    }
    for (const auto& rebase : plan->rebases) {
        if (!m_batches)
            break;
        if (auto rebased = m_batches->rebase(rebase.item, rebase.record, rebase.identical);
            !rebased)
            trouble(batch, rebased.error());
        else
            m_metrics->autoRebased.fetch_add(1, std::memory_order_relaxed);
    }
    if (m_batches) {
        if (auto released = m_batches->release(plan->release); !released)
            trouble(batch, released.error());
    }

    // A group whose modification was discarded between claim and start does not go out; the
    // items of it that did start return to the queue without spending an attempt.
    for (auto& group : plan->groups) {
        if (std::ranges::all_of(group.items, wasStarted)) {
            batch.groups.push_back(std::move(group));
            continue;
        }
        for (const auto& item : group.items) {
            if (!wasStarted(item))
                retire.push_back(item.queueId);
            else
                batch.withdrawn.push_back(
                    {.queueId = item.queueId,
                     .modificationId = item.modificationId,
                     .requeue = true,
                     .error = u"an earlier change of the record was withdrawn"_s,
                     .modificationStatus = model::SyncStatus::Queued});
        }
    }
    if (m_batches) {
        if (auto retired =
                m_batches->retire(retire, u"the modification left the queue before it was sent"_s);
            !retired)
            trouble(batch, retired.error());
    }
}

std::optional<qint64> BatchClaimer::cycleJob(qint64 organizationId)
{
    if (const auto found = m_cycleJobs->find(organizationId))
        return found;
    auto job =
        db::JobRepository(m_batches->database())
            .create(organizationId, model::JobTrigger::Schedule, std::nullopt, m_config.workerId);
    if (!job) {
        qCWarning(lcSync).noquote() << "cannot open a sync job:" << job.error().message;
        return std::nullopt;
    }
    // A job adopted meanwhile (sync now) wins; this one stays empty and finishes as such.
    return m_cycleJobs->setIfAbsent(organizationId, job->id);
}

void BatchClaimer::shutdown()
{
    m_batches.reset();
    m_database.releaseThreadConnection();
}

} // namespace pfa::sync
