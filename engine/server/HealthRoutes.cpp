#include "server/HealthRoutes.h"

#include "db/Database.h"
#include "db/SyncStatusRepository.h"
#include "model/IsoDateTime.h"
#include "pems/JsonDialect.h"
#include "pems/PemsClient.h"
#include "sync/SyncMetrics.h"
#include "sync/WriteSyncEngine.h"

#include <QCoreApplication>
#include <QNetworkAccessManager>

using namespace Qt::StringLiterals;

namespace pfa::server {

namespace {

constexpr qint64 HeartbeatStaleMs = 120'000;

} // namespace

HealthRoutes::HealthRoutes(db::Database& database, sync::WriteSyncEngine* engine,
                           pems::PemsConfig pems, std::chrono::milliseconds probeInterval,
                           QObject* parent)
    : QObject(parent)
    , m_database(database)
    , m_engine(engine)
{
    if (!pems.baseUrl.isEmpty()) {
        m_network = new QNetworkAccessManager(this);
        m_client = new pems::PemsClient(m_network, std::move(pems),
                                        std::make_unique<pems::JsonDialect>(), this);
        m_timer.setInterval(probeInterval);
        connect(&m_timer, &QTimer::timeout, this, &HealthRoutes::probe);
        m_timer.start();
        probe();
    }
}

HealthRoutes::~HealthRoutes() = default;

void HealthRoutes::install(ApiServer& server)
{
    server.route("GET", u"/health"_s, ApiServer::Access::Public, [](const ApiCall&) {
        return HttpReply::json(
            200,
            {{"status", "ok"}, {"version", QCoreApplication::applicationVersion().toStdString()}});
    });
    server.route("GET", u"/health/write-sync"_s, ApiServer::Access::Token,
                 [this](const ApiCall&) { return writeSync(); });
}

void HealthRoutes::probe()
{
    if (m_client->inFlightCount() > 0)
        return; // the previous probe is still waiting (PEMS is slow: its timeout will tell)
    m_client->health(this, [this](pems::PemsHealth health) {
        m_lastProbe = std::move(health);
        m_lastProbeAt = QDateTime::currentDateTimeUtc();
    });
}

HttpReply HealthRoutes::writeSync() const
{
    const QDateTime now = QDateTime::currentDateTimeUtc();
    bool healthy = true;
    nlohmann::json worker = {{"inProcess", m_engine != nullptr}};
    if (m_engine) {
        const qint64 beat = m_engine->metrics()->heartbeatMs.load();
        const bool running = m_engine->isRunning();
        const qint64 age = beat > 0 ? now.toMSecsSinceEpoch() - beat : -1;
        worker["running"] = running;
        worker["heartbeatAgeSeconds"] =
            age >= 0 ? nlohmann::json(double(age) / 1000.0) : nlohmann::json();
        healthy = running && age >= 0 && age < HeartbeatStaleMs;
    }
    nlohmann::json pems = {{"probed", m_client != nullptr}};
    if (m_client) {
        const bool reachable = m_lastProbe && m_lastProbe->healthy;
        pems["reachable"] = reachable;
        pems["checkedAt"] = m_lastProbeAt.isValid()
                                ? nlohmann::json(model::toIsoUtc(m_lastProbeAt).toStdString())
                                : nlohmann::json();
        if (m_lastProbe) {
            pems["latencyMs"] = m_lastProbe->latency.count();
            if (m_lastProbe->failure)
                pems["error"] = pems::messageOf(*m_lastProbe->failure).toStdString();
        }
        healthy = healthy && reachable;
    }
    auto connection = m_database.connection();
    if (!connection)
        return HttpReply::fromError(connection.error());
    auto summary = db::SyncStatusRepository(*connection).summary();
    if (!summary)
        return HttpReply::fromError(summary.error());
    const nlohmann::json queue = {
        {"pending", summary->pending},
        {"processing", summary->processing},
        {"deadLetters", summary->failed},
        {"conflicts", summary->conflicts},
        {"oldestPendingSeconds",
         summary->oldestOpenAt
             ? nlohmann::json(double(summary->oldestOpenAt->msecsTo(now)) / 1000.0)
             : nlohmann::json()}};
    // 503 lets a load balancer or systemd's watchdog script act on the status code alone.
    return HttpReply::json(healthy ? 200 : 503, {{"status", healthy ? "healthy" : "unhealthy"},
                                                 {"worker", worker},
                                                 {"pems", pems},
                                                 {"queue", queue}});
}

} // namespace pfa::server
