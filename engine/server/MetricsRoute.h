#pragma once

#include "server/ApiServer.h"

#include <memory>

namespace prometheus {
class Registry;
template<typename T>
class Family;
class Histogram;
} // namespace prometheus

namespace pfa::db {
class Database;
}
namespace pfa::sync {
class SyncMetrics;
}

namespace pfa::server {

// GET /metrics: the Prometheus text format, with the names of spec/ (pems_sync_*, pems_api_*)
// plus the oldest pending item's age, the dead-letter queue, the rate budget, the worker's
// heartbeat and the API's own request durations. Every series exists from start-up (at 0), so
// alerts on increase() work from the first scrape.
class MetricsRoute final
{
public:
    // `metrics` may be null when no worker runs in this process (the queue gauges still come
    // from the database); rateLimit is PEMS_API_RATE_LIMIT.
    MetricsRoute(db::Database& database, std::shared_ptr<const sync::SyncMetrics> metrics,
                 int rateLimit);
    ~MetricsRoute();
    Q_DISABLE_COPY_MOVE(MetricsRoute)

    void install(ApiServer& server);
    // Called by the server for every answered request.
    void observeRequest(const QString& route, int status, double seconds);

private:
    [[nodiscard]] HttpReply scrape() const;

    db::Database& m_database;
    std::shared_ptr<const sync::SyncMetrics> m_metrics;
    int m_rateLimit;
    std::shared_ptr<prometheus::Registry> m_registry;
    prometheus::Family<prometheus::Histogram>* m_requestDurations;
};

} // namespace pfa::server
