#pragma once

#include "DemoProgress.h"
#include "model/Error.h"
#include "model/FieldValue.h"
#include "sync/WorkerConfig.h"

#include <QSqlDatabase>
#include <vector>

namespace pfa::db {
class Database;
}

namespace pfa::app {

class PemsSimProcess;

// The demo's second act, what a sync administrator does once the first sync has settled: decide
// the conflicts (the three strategies in turn, as li.wei, who may resolve), roll one record back
// to its first version (as ana.souza, an administrator), let the worker send those, then pull
// PEMS' own changes into the mirror and reconcile the two, which must agree.
class DemoDecisions final
{
public:
    struct Target // the record to roll back
    {
        qint64 organizationId = 0;
        QString organizationCode;
        QString pfaId;
    };

    // `db` is the caller's connection of `database` (this thread); the read path opens its own
    // through `database`, the worker through `databaseUrl`.
    DemoDecisions(QSqlDatabase db, db::Database& database, QString databaseUrl, PemsSimProcess& sim,
                  sync::WorkerConfig workerConfig, Target rollbackTarget, DemoProgress& progress);

    [[nodiscard]] Expected<void> run();

private:
    struct Sent
    {
        std::vector<qint64> modificationIds; // to wait for
        int discarded = 0;                   // use_pems: nothing to send
    };

    [[nodiscard]] Expected<Sent> resolveConflicts();
    [[nodiscard]] Expected<qint64> rollBackOneRecord();
    [[nodiscard]] Expected<void> sendAndWait(const std::vector<qint64>& modificationIds);
    [[nodiscard]] Expected<void> reportRollback(qint64 modificationId);
    [[nodiscard]] Expected<void> pullAndReconcile();

    QSqlDatabase m_db;
    db::Database& m_database;
    QString m_databaseUrl;
    PemsSimProcess& m_sim;
    sync::WorkerConfig m_workerConfig;
    Target m_target;
    DemoProgress& m_progress;
    model::FieldMap m_restored; // the rollback's fields and the values PEMS must hold afterwards
};

} // namespace pfa::app
