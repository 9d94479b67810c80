#pragma once

#include "db/ReadSyncRepository.h"
#include "model/Error.h"
#include "pems/PemsOutcome.h"
#include "sync/ReadSyncConfig.h"
#include "sync/ReadSyncResult.h"

#include <QObject>
#include <QThread>
#include <QTimer>

#include <functional>
#include <map>
#include <memory>
#include <vector>

class QNetworkAccessManager;

namespace pfa::db {
class Database;
}
namespace pfa::pems {
class PemsClient;
}

namespace pfa::sync {

// The read path (DESIGN "Read path"): per organization, pages through PEMS' records updated since
// the organization's watermark and stores each page in the mirror with its history, stale flags,
// watermark and cursor in one transaction (db::ReadSyncRepository::storePage). One run per
// organization at a time across every process sharing the database (a session advisory lock on a
// connection of the run's own); a run that stops halfway (crash, PEMS failing) is resumed after its
// last stored page by the next one.
//
// A pipeline of three: while PostgreSQL stores page N (on a writer thread of the ReadSync's own,
// its session checking in each page's transaction that the run's lock session still holds the
// lock), this thread turns page N+1 into the statement's parameters and Qt's HTTP thread receives
// it. Pages are stored strictly in order, one at a time.
//
// Lives in one thread (its QNetworkAccessManager's); every call and callback runs there. Runs on
// demand (start) and, with a schedule, for the organizations given to startSchedule().
class ReadSync final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(ReadSync)

public:
    using Callback = std::function<void(Expected<ReadSyncResult>)>;

    // `database` and `network` must outlive the ReadSync.
    ReadSync(db::Database& database, QNetworkAccessManager* network, ReadSyncConfig config,
             QObject* parent = nullptr);
    ~ReadSync() override;

    // Starts a run for the organization. The callback runs exactly once, later (never inside the
    // call), unless the ReadSync or `context` is destroyed first: an error (Conflict) at once when
    // a run for it is already under way here or in another session, else the run's result.
    void start(qint64 organizationId, QObject* context, Callback callback);
    [[nodiscard]] bool isRunning(qint64 organizationId) const;

    // Runs every organization in `organizationIds` at the configured schedule's times (an
    // organization whose run is still going is skipped that time). No schedule: nothing happens.
    void startSchedule(std::vector<qint64> organizationIds);
    void stopSchedule();

Q_SIGNALS:
    // After each page is committed (`pages` so far in this run).
    void pageStored(qint64 organizationId, int pages);
    void finished(qint64 organizationId, bool ok);

private:
    struct Run;

    [[nodiscard]] Expected<void> begin(const std::shared_ptr<Run>& run);
    void closeRun(Run& run, Expected<ReadSyncResult>& result);
    void fetch(const std::shared_ptr<Run>& run);
    void onPage(const std::shared_ptr<Run>& run, pems::PageOutcome page);
    void pumpStore(const std::shared_ptr<Run>& run);
    void onStored(const std::shared_ptr<Run>& run, Expected<db::StoredPage> stored,
                  const QString& nextCursor);
    void finish(const std::shared_ptr<Run>& run, Expected<ReadSyncResult> result);
    void scheduleNext();

    db::Database& m_database;
    ReadSyncConfig m_config;
    std::unique_ptr<pems::PemsClient> m_client;
    QThread m_writerThread;
    std::unique_ptr<QObject> m_writer; // lives in m_writerThread: the target of store requests
    std::map<qint64, std::shared_ptr<Run>> m_runs;
    std::vector<qint64> m_scheduled;
    QTimer m_scheduleTimer;
    int m_instance = 0;
};

} // namespace pfa::sync
