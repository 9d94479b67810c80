#pragma once

#include "db/WriteBatchRepository.h"
#include "model/MirrorRecord.h"
#include "pems/ExchangeInfo.h"
#include "pems/PemsOutcome.h"
#include "sync/CycleJobs.h"
#include "sync/RateLimiter.h"
#include "sync/RetryPolicy.h"
#include "sync/SendGroup.h"
#include "sync/SyncMetrics.h"
#include "sync/WorkerConfig.h"

#include <QObject>
#include <QTimer>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <set>

namespace pfa::db {
class Database;
class NotificationListener;
} // namespace pfa::db
namespace pfa::pems {
class PemsClient;
}

class QThread;

namespace pfa::sync {

class BatchClaimer;
class OutcomeRecorder;
struct ClaimedBatch;

// The write path of DESIGN "Sync semantics": claims queued modifications, decides about them
// (BatchPlanner), sends them to PEMS under the shared rate limit with up to maxInFlight requests
// at once, and records every outcome in batches. Lives in its own thread (WriteSyncEngine owns
// it) with its own database connections; every slot runs in that thread.
//
// The loop is event driven: a claim happens when the pipeline runs low, after a NOTIFY on the
// work channel (db::EventPublisher::WorkChannel: items queued, a pause ended), after a batch of
// outcomes was recorded (a record's next item may now go), when a retry falls due, on the cron
// schedule, and on demand. Claiming, sending and recording overlap: a BatchClaimer claims and
// decides about the next batch while this thread sends, and an OutcomeRecorder writes outcomes,
// each in a thread of its own with its own connection.
class WriteWorker final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(WriteWorker)

public:
    // `cycleJobs` is shared with the engine, which adopts sync-now jobs into it.
    WriteWorker(db::Database& database, WorkerConfig config, std::shared_ptr<SyncMetrics> metrics,
                std::shared_ptr<CycleJobs> cycleJobs);
    ~WriteWorker() override;

public Q_SLOTS:
    void start();
    // Graceful: no new claims, unsent items back to the queue, in-flight requests may finish
    // within stopTimeout (then they are abandoned and requeued: their key makes a resend safe).
    void stop();
    void wake();

Q_SIGNALS:
    void started();
    void startFailed(const QString& message);
    void stopped();

private:
    enum class State
    {
        Stopped,
        Running,
        Stopping
    };

    void abortStart(const Error& error);
    void onWake(const QString& reason);
    void schedulePump();
    void pump();
    void onClaimed(ClaimedBatch batch, int limit);
    void dispatch(std::vector<SendGroup> groups);
    void scheduleSend(SendGroup& group, std::chrono::microseconds delay,
                      std::chrono::steady_clock::time_point before,
                      std::chrono::steady_clock::time_point after);
    void sendReady();
    void send(quint64 id);
    void onWritten(quint64 id, pems::WriteOutcome outcome, pems::ExchangeInfo exchange);
    void succeeded(const SendGroup& group, const pems::WriteSuccess& success,
                   const pems::ExchangeInfo& exchange);
    void failed(SendGroup group, const pems::PemsFailure& failure,
                const pems::ExchangeInfo& exchange);
    void refreshAfterConflict(SendGroup group, db::SettledItem::Attempt attempt);
    void rereadBeforeDeciding(db::ClaimedItem item);
    [[nodiscard]] std::chrono::microseconds readSlotWait();
    [[nodiscard]] Expected<model::MirrorRecord> storePemsVersion(const db::ClaimedItem& item,
                                                                 const pems::PemsRecord& record);
    // Back to the queue as it was, without an answer to record: no attempt is spent (a request
    // that did go out is repeated under the same key).
    void requeueUnsent(const SendGroup& group, const QString& why,
                       std::chrono::milliseconds delay = std::chrono::milliseconds(0));
    void settleGroup(const SendGroup& group, db::SettledItem pattern,
                     std::optional<db::SettledItem::Attempt> attempt);
    void holdSending(std::chrono::milliseconds wait);
    void pauseOrganization(qint64 organizationId, const QString& reason);
    void startHelpers();
    void stopHelpers();
    void scheduleFlush();
    void flush();
    void onRecorded(int items);
    void finishStopWhenDone();
    void onCronTick();
    void armCronTimer();
    void armDueTimer();
    void databaseTrouble(const Error& error);
    void publishWorkerState(const QString& status, qint64 organizationId = 0);
    void abandonInFlight();
    void finishStop();
    // The client for the organization's PEMS (its own, or the default) with the fewest requests
    // in flight.
    [[nodiscard]] pems::PemsClient* leastBusyClient(qint64 organizationId) const;
    void deleteClients();
    [[nodiscard]] bool holding() const;

    db::Database& m_database;
    const WorkerConfig m_config;
    std::shared_ptr<SyncMetrics> m_metrics;
    std::shared_ptr<CycleJobs> m_cycleJobs;
    RateLimiter m_rateLimiter;
    RetryPolicy m_retryPolicy;
    std::unique_ptr<db::WriteBatchRepository> m_batches;
    std::vector<pems::PemsClient*> m_clients; // children of this; the default PEMS
    // One client per network manager for each organization with its own PEMS (children of
    // this); m_clients is empty exactly when these are too.
    std::map<qint64, std::vector<pems::PemsClient*>> m_organizationClients;
    db::NotificationListener* m_wakeups = nullptr; // child of this

    State m_state = State::Stopped;
    quint64 m_nextGroupId = 1;
    std::map<quint64, SendGroup> m_groups; // planned, waiting for their slot, or in flight
    std::deque<quint64> m_ready;           // slot reached, waiting for a free request
    std::set<quint64> m_inFlight;
    int m_refreshing = 0; // 409s whose GET of PEMS' version is in flight
    // Outcomes settled in this pass of the event loop, handed to the recorder at its end.
    std::vector<db::CompletedItem> m_completed;
    std::vector<db::SettledItem> m_settled;
    QThread* m_claimerThread = nullptr;    // child of this
    BatchClaimer* m_claimer = nullptr;     // lives in m_claimerThread, which deletes it
    bool m_claiming = false;               // a claim is running in the claimer's thread
    QThread* m_recorderThread = nullptr;   // child of this
    OutcomeRecorder* m_recorder = nullptr; // lives in m_recorderThread, which deletes it
    int m_recording = 0;                   // handed over, not yet reported written
    std::set<qint64> m_pausedOrganizations;
    std::chrono::steady_clock::time_point m_holdUntil{};
    std::chrono::steady_clock::time_point m_lastPrune{};

    bool m_pumpScheduled = false;
    bool m_flushScheduled = false;
    QTimer m_cronTimer;
    QTimer m_dueTimer;
    QTimer m_holdTimer;
    QTimer m_troubleTimer;
    QTimer m_stopTimer;
    QTimer m_jobTimer;
    QTimer m_recordGraceTimer;
};

} // namespace pfa::sync
