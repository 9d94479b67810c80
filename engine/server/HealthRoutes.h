#pragma once

#include "pems/PemsConfig.h"
#include "pems/PemsHealth.h"
#include "server/ApiServer.h"

#include <QDateTime>
#include <QObject>
#include <QTimer>

#include <memory>
#include <optional>

class QNetworkAccessManager;

namespace pfa::db {
class Database;
}
namespace pfa::pems {
class PemsClient;
}
namespace pfa::sync {
class WriteSyncEngine;
}

namespace pfa::server {

// GET /health (public liveness: the process answers) and GET /health/write-sync (a token: the
// worker's heartbeat, PEMS' reachability and the queue's age). PEMS is probed in the background
// every `probeInterval`, so a health check never waits for PEMS.
class HealthRoutes final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(HealthRoutes)

public:
    // `engine` may be null (no worker in this process); an empty PEMS URL disables the probe.
    HealthRoutes(db::Database& database, sync::WriteSyncEngine* engine, pems::PemsConfig pems,
                 std::chrono::milliseconds probeInterval, QObject* parent = nullptr);
    ~HealthRoutes() override;

    void install(ApiServer& server);

private:
    void probe();
    [[nodiscard]] HttpReply writeSync() const;

    db::Database& m_database;
    sync::WriteSyncEngine* m_engine;
    QNetworkAccessManager* m_network = nullptr; // child
    pems::PemsClient* m_client = nullptr;       // child
    QTimer m_timer;
    std::optional<pems::PemsHealth> m_lastProbe;
    QDateTime m_lastProbeAt;
};

} // namespace pfa::server
