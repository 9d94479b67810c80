#pragma once

#include "db/WriteBatchRepository.h"

#include <QObject>
#include <QTimer>
#include <atomic>
#include <memory>
#include <vector>

namespace pfa::db {
class Database;
}

namespace pfa::sync {

// Writes the outcomes of PEMS requests (db::WriteBatchRepository::complete and settle) on its own
// connection, in its own thread, so that recording one batch overlaps sending the next: the
// worker's thread only hands outcomes over. Outcomes that arrive while a batch is being written
// are written together in the next one, so batches grow when the database is the bottleneck; and
// a small batch waits a few milliseconds for more while requests are still in flight.
//
// Lives in a thread of its own (WriteWorker starts it); every slot runs there. A batch that
// cannot be written stays and is tried again every second on a reopened session, so an outcome
// is never lost while the process lives; the worker stops claiming while outcomes wait.
class OutcomeRecorder final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(OutcomeRecorder)

public:
    // `database` must outlive the recorder.
    OutcomeRecorder(db::Database& database, QString workerId);
    ~OutcomeRecorder() override;

    // In the recorder's thread:
    // Not `urgent`: more outcomes are on their way, and a few milliseconds may be spent waiting
    // for them (every batch costs a few statements whatever its size).
    void record(std::vector<db::CompletedItem> completed, std::vector<db::SettledItem> settled,
                bool urgent);
    // Drops what is still unwritten (a stop that cannot wait for the database any longer) and
    // releases the thread's connection. Run it last.
    void shutdown();

Q_SIGNALS:
    // `items` outcomes are in the database now.
    void recorded(int items);

private:
    void scheduleWrite();
    void write();

    db::Database& m_database;
    const QString m_workerId;
    std::unique_ptr<db::WriteBatchRepository> m_batches;
    std::vector<db::CompletedItem> m_completed;
    std::vector<db::SettledItem> m_settled;
    bool m_writeScheduled = false;
    QTimer m_gatherTimer;
    QTimer m_retryTimer;
};

} // namespace pfa::sync
