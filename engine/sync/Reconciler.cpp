#include "sync/Reconciler.h"

#include "db/Database.h"
#include "db/OrganizationRepository.h"
#include "db/ReadSyncRepository.h"
#include "db/ReconcileRepository.h"
#include "model/JsonWrite.h"
#include "pems/JsonDialect.h"
#include "pems/PemsClient.h"
#include "pems/PemsFailure.h"
#include "sync/SyncLog.h"

#include <QSet>
#include <QTimer>

#include <atomic>
#include <map>

using namespace Qt::StringLiterals;
using namespace std::chrono_literals;

namespace pfa::sync {

namespace {

std::atomic<int> nextInstance{1};

} // namespace

struct Reconciler::Scan
{
    qint64 organizationId = 0;
    QString organizationCode;
    QSqlDatabase db;
    QPointer<QObject> context;
    bool hasContext = false;
    ReportCallback callback;
    QString cursor;
    int retries = 0;
    QSet<QString> seen;
    std::map<QString, model::Drift> drifts;
    model::DriftReport report;
};

struct Reconciler::Repair
{
    qint64 organizationId = 0;
    QString organizationCode;
    QSqlDatabase db;
    QPointer<QObject> context;
    bool hasContext = false;
    RepairCallback callback;
    std::vector<model::Drift> todo;
    std::size_t next = 0;
    QDateTime reportStartedAt;
    RepairResult result;
};

Reconciler::Reconciler(db::Database& database, QNetworkAccessManager* network,
                       ReadSyncConfig config, QObject* parent)
    : QObject(parent)
    , m_database(database)
    , m_config(std::move(config))
    , m_client(std::make_unique<pems::PemsClient>(network, m_config.pems,
                                                  std::make_unique<pems::JsonDialect>()))
    , m_connectionPurpose(u"reconcile-%1"_s.arg(nextInstance.fetch_add(1)))
{
    m_config.pageSize = std::clamp(m_config.pageSize, 1, 1000);
}

Reconciler::~Reconciler()
{
    m_client.reset();
    m_database.releaseDedicatedConnection(m_connectionPurpose);
}

Expected<QSqlDatabase> Reconciler::openConnection()
{
    return m_database.dedicatedConnection(m_connectionPurpose);
}

void Reconciler::closeConnection()
{
    m_database.releaseDedicatedConnection(m_connectionPurpose);
}

void Reconciler::report(qint64 organizationId, QObject* context, ReportCallback callback)
{
    auto scan = std::make_shared<Scan>();
    scan->organizationId = organizationId;
    scan->context = context;
    scan->hasContext = context != nullptr;
    scan->callback = std::move(callback);
    scan->report.organizationId = organizationId;
    scan->report.startedAt = QDateTime::currentDateTimeUtc();
    auto refuse = [this, scan](Error error) {
        QTimer::singleShot(0, this, [scan, error] {
            if (!scan->hasContext || scan->context)
                scan->callback(std::unexpected(error));
        });
    };
    if (m_busy) {
        refuse({ErrorCode::Conflict, u"a reconciliation is already running"_s});
        return;
    }
    if (auto connection = openConnection(); connection) {
        scan->db = *connection;
    } else {
        refuse(connection.error());
        return;
    }
    auto organization = db::OrganizationRepository(scan->db).findById(organizationId);
    if (!organization) {
        scan->db = QSqlDatabase();
        closeConnection();
        refuse(organization.error());
        return;
    }
    scan->organizationCode = organization->code;
    m_busy = true;
    fetch(scan);
}

void Reconciler::fetch(const std::shared_ptr<Scan>& scan)
{
    m_client->list({.organizationCode = scan->organizationCode,
                    .limit = m_config.pageSize,
                    .cursor = scan->cursor},
                   this, [this, scan](pems::PageOutcome page, pems::ExchangeInfo) {
                       onPage(scan, std::move(page));
                   });
}

void Reconciler::onPage(const std::shared_ptr<Scan>& scan, pems::PageOutcome page)
{
    if (!page) {
        const auto kind = pems::failureClass(page.error());
        if ((kind == model::FailureClass::Transient || kind == model::FailureClass::RateLimit) &&
            scan->retries < m_config.pageRetries) {
            const auto wait = m_config.retryDelay * (1 << scan->retries);
            ++scan->retries;
            QTimer::singleShot(int(wait.count()), this, [this, scan] { fetch(scan); });
            return;
        }
        finishScan(scan, std::unexpected(pems::toError(page.error())));
        return;
    }
    scan->retries = 0;
    std::vector<db::PulledRecord> records;
    records.reserve(page->records.size());
    for (auto& record : page->records) {
        // A record changed while the scan pages comes again later: its last listing counts.
        if (scan->seen.contains(record.pfaId))
            scan->drifts.erase(record.pfaId);
        else
            scan->seen.insert(record.pfaId);
        if (!record.deleted)
            ++scan->report.pemsRecords;
        records.push_back({.pfaId = std::move(record.pfaId),
                           .version = record.version,
                           .updatedAt = record.updatedAt,
                           .deleted = record.deleted,
                           .data = std::move(record.data)});
    }
    auto drifts = db::ReconcileRepository(scan->db).comparePage(scan->organizationId, records);
    if (!drifts) {
        finishScan(scan, std::unexpected(drifts.error()));
        return;
    }
    for (auto& drift : *drifts)
        scan->drifts[drift.pfaId] = std::move(drift);
    if (page->nextCursor) {
        scan->cursor = *page->nextCursor;
        fetch(scan);
        return;
    }

    // The end of the feed: what the mirror holds alive and PEMS never listed.
    auto live = db::ReconcileRepository(scan->db).liveRecords(scan->organizationId);
    if (!live) {
        finishScan(scan, std::unexpected(live.error()));
        return;
    }
    scan->report.mirrorRecords = qint64(live->size());
    for (const auto& key : *live) {
        if (!scan->seen.contains(key.pfaId))
            scan->drifts[key.pfaId] = {.pfaId = key.pfaId,
                                       .kind = model::DriftKind::MissingInPems,
                                       .mirrorVersion = key.version};
    }
    for (auto& [pfaId, drift] : scan->drifts)
        scan->report.drifts.push_back(std::move(drift));
    scan->report.finishedAt = QDateTime::currentDateTimeUtc();
    finishScan(scan, std::move(scan->report));
}

void Reconciler::finishScan(const std::shared_ptr<Scan>& scan, Expected<model::DriftReport> result)
{
    m_busy = false;
    scan->db = QSqlDatabase();
    closeConnection();
    if (result)
        qCInfo(lcSync).noquote() << "reconciliation of" << scan->organizationCode << ":"
                                 << result->drifts.size() << "drifted records ("
                                 << result->pemsRecords << "in PEMS," << result->mirrorRecords
                                 << "in the mirror)";
    else
        qCWarning(lcSync).noquote()
            << "reconciliation of" << scan->organizationCode << "failed:" << result.error().message;
    if (!scan->hasContext || scan->context)
        scan->callback(std::move(result));
}

void Reconciler::repair(const model::DriftReport& report, const QStringList& pfaIds,
                        QObject* context, RepairCallback callback)
{
    auto repair = std::make_shared<Repair>();
    repair->organizationId = report.organizationId;
    repair->context = context;
    repair->hasContext = context != nullptr;
    repair->callback = std::move(callback);
    repair->reportStartedAt = report.startedAt;
    const QSet<QString> chosen(pfaIds.begin(), pfaIds.end());
    for (const auto& drift : report.drifts) {
        if (chosen.isEmpty() || chosen.contains(drift.pfaId))
            repair->todo.push_back(drift);
    }
    auto refuse = [this, repair](Error error) {
        QTimer::singleShot(0, this, [repair, error] {
            if (!repair->hasContext || repair->context)
                repair->callback(std::unexpected(error));
        });
    };
    if (m_busy) {
        refuse({ErrorCode::Conflict, u"a reconciliation is already running"_s});
        return;
    }
    if (auto connection = openConnection(); connection) {
        repair->db = *connection;
    } else {
        refuse(connection.error());
        return;
    }
    auto organization = db::OrganizationRepository(repair->db).findById(report.organizationId);
    auto locked = organization ? db::ReadSyncRepository(repair->db).tryLock(report.organizationId)
                               : Expected<bool>(std::unexpected(organization.error()));
    if (!locked || !*locked) {
        repair->db = QSqlDatabase();
        closeConnection();
        refuse(locked ? Error{ErrorCode::Conflict,
                              u"a read sync of this organization is running; repair later"_s}
                      : locked.error());
        return;
    }
    repair->organizationCode = organization->code;
    m_busy = true;
    QTimer::singleShot(0, this, [this, repair] { repairNext(repair); });
}

void Reconciler::repairNext(const std::shared_ptr<Repair>& repair)
{
    if (repair->next >= repair->todo.size()) {
        finishRepair(repair, repair->result);
        return;
    }
    const model::Drift drift = repair->todo[repair->next++];
    // Re-read now: PEMS may have moved since the report, and the mirror must get what PEMS
    // holds at the time of the repair.
    m_client->get({.pfaId = drift.pfaId, .organizationCode = repair->organizationCode}, this,
                  [this, repair, drift](pems::RecordOutcome record, pems::ExchangeInfo) {
                      std::optional<db::PulledRecord> pems;
                      if (record) {
                          pems = db::PulledRecord{.pfaId = record->pfaId,
                                                  .version = record->version,
                                                  .updatedAt = record->updatedAt,
                                                  .deleted = record->deleted,
                                                  .data = std::move(record->data)};
                      } else if (!pems::isNotFound(record.error())) {
                          repair->result.failed
                              << drift.pfaId + u": "_s + pems::describe(record.error());
                          repairNext(repair);
                          return;
                      }
                      nlohmann::json fields = nlohmann::json::array();
                      for (const QString& field : drift.fields)
                          fields.push_back(field.toStdString());
                      const nlohmann::json details = {
                          {"kind", model::toWire(drift.kind).toStdString()},
                          {"fields", fields},
                          {"reportedMirrorVersion", drift.mirrorVersion},
                          {"reportedPemsVersion", drift.pemsVersion},
                          {"reportStartedAt", model::jsonOf(repair->reportStartedAt)}};
                      auto repaired = db::ReconcileRepository(repair->db)
                                          .repair(repair->organizationId, drift.pfaId, pems,
                                                  details, m_config.actor);
                      if (!repaired)
                          repair->result.failed << drift.pfaId + u": "_s + repaired.error().message;
                      else if (*repaired)
                          ++repair->result.repaired;
                      else
                          ++repair->result.alreadyInStep;
                      repairNext(repair);
                  });
}

void Reconciler::finishRepair(const std::shared_ptr<Repair>& repair, Expected<RepairResult> result)
{
    m_busy = false;
    (void)db::ReadSyncRepository(repair->db).unlock(repair->organizationId);
    repair->db = QSqlDatabase();
    closeConnection();
    if (result)
        qCInfo(lcSync).noquote() << "repair of" << repair->organizationCode << ":"
                                 << result->repaired << "repaired," << result->alreadyInStep
                                 << "already in step," << result->failed.size() << "failed";
    if (!repair->hasContext || repair->context)
        repair->callback(std::move(result));
}

} // namespace pfa::sync
