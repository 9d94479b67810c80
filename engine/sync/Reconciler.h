#pragma once

#include "model/Drift.h"
#include "model/Error.h"
#include "pems/PemsOutcome.h"
#include "sync/ReadSyncConfig.h"

#include <QObject>
#include <QPointer>
#include <QSqlDatabase>

#include <functional>
#include <memory>
#include <set>
#include <vector>

class QNetworkAccessManager;

namespace pfa::db {
class Database;
}
namespace pfa::pems {
class PemsClient;
}

namespace pfa::sync {

// What a repair did.
struct RepairResult
{
    int repaired = 0;      // mirror records changed to PEMS' version (or made tombstones)
    int alreadyInStep = 0; // PEMS and the mirror agreed by the time the record was re-read
    QStringList failed;    // "PFA-1: reason"
};

// Reconciliation: a full scan of one organization's records through PEMS' read API (list
// without updatedSince), compared page by page with the mirror in SQL, reported as a
// model::DriftReport; and a repair that re-reads chosen drifted records from PEMS and makes the
// mirror hold exactly that, each repair audited (`mirror.repaired`). The repair takes the read
// sync's advisory lock, so it never races a pull of the same organization.
//
// One operation at a time per Reconciler; lives in the thread of its QNetworkAccessManager.
// Callbacks run exactly once, later, unless the Reconciler or `context` was destroyed first.
class Reconciler final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(Reconciler)

public:
    using ReportCallback = std::function<void(Expected<model::DriftReport>)>;
    using RepairCallback = std::function<void(Expected<RepairResult>)>;

    // Uses `config.pems`, `pageSize` and `actor`.
    Reconciler(db::Database& database, QNetworkAccessManager* network, ReadSyncConfig config,
               QObject* parent = nullptr);
    ~Reconciler() override;

    void report(qint64 organizationId, QObject* context, ReportCallback callback);
    // Repairs the drifts of `report` whose pfaId is in `pfaIds` (empty: all of them).
    void repair(const model::DriftReport& report, const QStringList& pfaIds, QObject* context,
                RepairCallback callback);

private:
    struct Scan;
    struct Repair;

    void fetch(const std::shared_ptr<Scan>& scan);
    void onPage(const std::shared_ptr<Scan>& scan, pems::PageOutcome page);
    void finishScan(const std::shared_ptr<Scan>& scan, Expected<model::DriftReport> result);
    void repairNext(const std::shared_ptr<Repair>& repair);
    void finishRepair(const std::shared_ptr<Repair>& repair, Expected<RepairResult> result);
    [[nodiscard]] Expected<QSqlDatabase> openConnection();
    void closeConnection();

    db::Database& m_database;
    ReadSyncConfig m_config;
    std::unique_ptr<pems::PemsClient> m_client;
    QString m_connectionPurpose;
    bool m_busy = false;
};

} // namespace pfa::sync
