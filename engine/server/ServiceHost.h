#pragma once

#include "model/Error.h"
#include "pems/PemsConfig.h"
#include "server/ApiServer.h"
#include "sync/WorkerConfig.h"

#include <QHostAddress>
#include <QObject>

#include <memory>
#include <optional>

namespace pfa::db {
class Database;
}
namespace pfa::sync {
class EventBus;
class WriteSyncEngine;
} // namespace pfa::sync

namespace pfa::server {

class AuditRoutes;
class OpenApiRoute;
class ConflictRoutes;
class EventRelay;
class HealthRoutes;
class JobRoutes;
class MetricsRoute;
class QueueRoutes;
class RecordRoutes;
class SyncRoutes;

struct ServiceConfig
{
    QHostAddress address = QHostAddress::LocalHost;
    quint16 port = 0;
    QString tlsCertificateFile; // both set: HTTPS only
    QString tlsKeyFile;
    ApiServerConfig api;
    // The write worker of this process; nullopt when another process runs it (ENABLE_WRITE_SYNC
    // off), in which case the API still queues and reports.
    std::optional<sync::WorkerConfig> worker;
    pems::PemsConfig pems;     // for the health probe; an empty URL disables it
    int rateLimit = 10;        // PEMS_API_RATE_LIMIT, for estimates and /metrics
    sync::WorkerConfig status; // schedule and limits the status endpoint reports
    qint64 maxEventBufferBytes = 1 << 20;
    std::chrono::milliseconds healthProbeInterval{15'000};
};

// `pfa-sync --service` assembled: the HTTP API with every route, the event stream fed from
// LISTEN pfa_sync_events, and (optionally) the write worker. Lives in the thread that creates it.
class ServiceHost final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(ServiceHost)

public:
    ServiceHost(db::Database& database, ServiceConfig config, QObject* parent = nullptr);
    ~ServiceHost() override;

    // Listens (TLS when configured), subscribes to events and starts the worker.
    [[nodiscard]] Expected<void> start();
    // Stops accepting connections and drains the worker; stopped() follows.
    void stop();
    [[nodiscard]] quint16 port() const { return m_port; }
    [[nodiscard]] bool tls() const;
    [[nodiscard]] sync::WriteSyncEngine* engine() const { return m_engine.get(); }
    [[nodiscard]] EventRelay& relay() const { return *m_relay; }
    [[nodiscard]] const ApiServer& api() const { return *m_server; }

Q_SIGNALS:
    void stopped();
    void workerFailed(const QString& message);

private:
    [[nodiscard]] Expected<void> setUpTls();

    db::Database& m_database;
    ServiceConfig m_config;
    std::unique_ptr<sync::WriteSyncEngine> m_engine;
    std::unique_ptr<ApiServer> m_server;
    std::unique_ptr<MetricsRoute> m_metrics;
    std::unique_ptr<SyncRoutes> m_syncRoutes;
    std::unique_ptr<ConflictRoutes> m_conflictRoutes;
    std::unique_ptr<JobRoutes> m_jobRoutes;
    std::unique_ptr<AuditRoutes> m_auditRoutes;
    std::unique_ptr<QueueRoutes> m_queueRoutes;
    std::unique_ptr<RecordRoutes> m_recordRoutes;
    std::unique_ptr<HealthRoutes> m_healthRoutes;
    std::unique_ptr<OpenApiRoute> m_openApi;
    std::unique_ptr<sync::EventBus> m_events;
    std::unique_ptr<EventRelay> m_relay;
    quint16 m_port = 0;
    bool m_stopping = false;
};

} // namespace pfa::server
