#pragma once

#include "model/Error.h"
#include "model/JobTrigger.h"
#include "model/SyncJob.h"
#include "sync/CycleJobs.h"
#include "sync/SyncMetrics.h"
#include "sync/WorkerConfig.h"

#include <QObject>
#include <QPointer>
#include <memory>
#include <optional>

class QThread;

namespace pfa::db {
class Database;
}

namespace pfa::sync {

class WriteWorker;

// The write path as the rest of the program sees it: owns the worker thread and offers the
// operator actions (sync now, pause, resume). Lives in the thread that creates it; every method
// is called from there and returns at once (the worker answers through signals and events).
class WriteSyncEngine final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(WriteSyncEngine)

public:
    WriteSyncEngine(db::Database& database, WorkerConfig config, QObject* parent = nullptr);
    // Stops the worker if it still runs, waiting for it (bounded by the stop timeout).
    ~WriteSyncEngine() override;

    void start();
    // Graceful stop; stopped() follows.
    void stop();
    // Blocks until the worker stopped (for command-line tools and destructors).
    void stopAndWait();
    [[nodiscard]] bool isRunning() const;

    // Opens a sync job for the organization that groups what is claimed from now until the next
    // scheduled cycle, and wakes the worker.
    [[nodiscard]] Expected<model::SyncJob> syncNow(qint64 organizationId,
                                                   std::optional<qint64> requestedBy,
                                                   model::JobTrigger trigger, const QString& actor);
    // The same for a job the caller created (in its own transaction, with what it committed).
    void adopt(qint64 organizationId, qint64 jobId);
    void wake();

    [[nodiscard]] Expected<void> pause(std::optional<qint64> organizationId, const QString& reason,
                                       const QString& actor);
    [[nodiscard]] Expected<void> resume(std::optional<qint64> organizationId, const QString& actor);

    [[nodiscard]] std::shared_ptr<const SyncMetrics> metrics() const { return m_metrics; }
    [[nodiscard]] const WorkerConfig& config() const { return m_config; }

Q_SIGNALS:
    void started();
    void startFailed(const QString& message);
    void stopped();

private:
    db::Database& m_database;
    const WorkerConfig m_config;
    std::shared_ptr<SyncMetrics> m_metrics;
    std::shared_ptr<CycleJobs> m_cycleJobs; // shared with the worker's claimer
    std::unique_ptr<QThread> m_thread;
    QPointer<WriteWorker> m_worker; // lives in m_thread; deleted when it finishes
    bool m_running = false;
};

} // namespace pfa::sync
