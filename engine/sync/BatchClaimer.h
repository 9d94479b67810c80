#pragma once

#include "db/WriteBatchRepository.h"
#include "sync/CycleJobs.h"
#include "sync/SendGroup.h"
#include "sync/SyncMetrics.h"
#include "sync/WorkerConfig.h"

#include <QObject>
#include <map>
#include <memory>
#include <set>
#include <vector>

namespace pfa::db {
class Database;
}

namespace pfa::sync {

// What one claim produced for the worker to send.
struct ClaimedBatch
{
    std::vector<SendGroup> groups; // started (queued → syncing), ready to send
    // Started items of a group that lost a member (its modification was discarded between claim
    // and start): back to the queue without spending an attempt, through the recorder.
    std::vector<db::SettledItem> withdrawn;
    // Redriven dead letters, still leased: the worker re-reads their records from PEMS into the
    // mirror and gives them back (WriteBatchRepository::refreshed) to be decided by a later claim.
    std::vector<db::ClaimedItem> refresh;
    std::set<qint64> organizations; // those claimed from (a claim skips paused organizations)
    int records = 0;                // records claimed: as many as asked means more may be due
    bool trouble = false;           // a statement failed: try again later
};

// The claim side of the write path, in a thread of its own with its own connection, so that
// claiming and deciding overlap the sending: claims a batch, plans it (BatchPlanner: conflict
// check, coalescing, validation), moves the items that will be decided queued → syncing in their
// sync job, records right away what needs no request (conflicts, rebases, validation failures,
// items given back) and returns the groups to send.
class BatchClaimer final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(BatchClaimer)

public:
    // `database` must outlive the claimer.
    BatchClaimer(db::Database& database, WorkerConfig config, std::shared_ptr<SyncMetrics> metrics,
                 std::shared_ptr<CycleJobs> cycleJobs);
    ~BatchClaimer() override;

    // In the claimer's thread:
    [[nodiscard]] ClaimedBatch claim(int limit);
    // Releases the thread's connection. Run it last.
    void shutdown();

private:
    [[nodiscard]] bool ensureConnection();
    void trouble(ClaimedBatch& batch, const Error& error);
    void decide(std::vector<db::ClaimedItem> claimed, ClaimedBatch& batch);
    [[nodiscard]] std::optional<qint64> cycleJob(qint64 organizationId);

    db::Database& m_database;
    const WorkerConfig m_config;
    std::shared_ptr<SyncMetrics> m_metrics;
    std::unique_ptr<db::WriteBatchRepository> m_batches; // reset after trouble: reopened next time
    std::shared_ptr<CycleJobs> m_cycleJobs;
};

} // namespace pfa::sync
