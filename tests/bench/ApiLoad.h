#pragma once

#include "model/Error.h"
#include "server/ServiceError.h"

#include <QByteArray>
#include <QString>
#include <QUrl>

#include <chrono>
#include <functional>
#include <optional>
#include <vector>

namespace pfa::server {
class ServiceClient;
}

namespace pfa::bench {

class ApiServiceProcess;

struct LoadFigures
{
    std::vector<double> latenciesMs; // one per request, from sending to its callback
    int errors = 0;                  // requests that failed (429 included)
    int http429 = 0;
    QString firstError;
    double wallSeconds = 0;
    double rssIdleMb = 0; // the service's VmRSS just before the load
    double rssLoadMb = 0; // the highest VmRSS sampled during the load (every 20 ms)
};

// Concurrent clients against the service, as consoles would be: each its own ServiceClient with
// its own QNetworkAccessManager, so each holds its own keep-alive connection, and each sends its
// next request when the previous one has been answered. After one unmeasured warm-up request per
// client (connection set-up), `requests` calls are measured. Runs the calling thread's event loop.
class ApiLoad final
{
public:
    // Sends request number `index` on `client`; `done` gets nullopt for a success.
    using Call = std::function<void(server::ServiceClient& client, int index, QObject* context,
                                    std::function<void(std::optional<server::ServiceError>)> done)>;

    // `tokens`: one per client, or fewer, used in turn.
    ApiLoad(QUrl baseUrl, std::vector<QByteArray> tokens, int clients);

    [[nodiscard]] Expected<LoadFigures> run(int requests, const Call& call,
                                            const ApiServiceProcess& service,
                                            std::chrono::milliseconds timeout);

private:
    QUrl m_baseUrl;
    std::vector<QByteArray> m_tokens;
    int m_clients;
};

} // namespace pfa::bench
