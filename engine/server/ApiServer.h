#pragma once

#include "server/ApiCall.h"
#include "server/HttpReply.h"
#include "server/RequestRateLimiter.h"

#include <QAbstractHttpServer>
#include <QByteArrayList>

#include <functional>
#include <vector>

namespace pfa::db {
class Database;
}

namespace pfa::server {

struct ApiServerConfig
{
    qint64 maxBodyBytes = 1 << 20;   // larger bodies: 413
    int writeRequestsPerSecond = 10; // per token, on routes marked Access::TokenLimited
};

// The service's HTTP front: routing, bearer-token authentication, the per-token rate limit of the
// write endpoints, the body size limit and one log line per request. Route handlers only see
// authenticated, size-checked calls and answer with an HttpReply; they run on this object's thread
// with that thread's database connection. WebSocket upgrades are left to whoever listens to
// newWebSocketConnection().
class ApiServer final : public QAbstractHttpServer
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(ApiServer)

public:
    enum class Access
    {
        Public,       // no token (liveness only)
        Token,        // a valid token
        TokenLimited, // a valid token, counted against its write budget
    };
    using Handler = std::function<HttpReply(const ApiCall&)>;
    struct RouteSummary
    {
        QByteArray method;
        QString pattern;
        Access access = Access::Token;
    };
    // Told of every answered request: the route's pattern (or "unmatched"), status, seconds.
    using Observer = std::function<void(const QString& route, int status, double seconds)>;

    ApiServer(db::Database& database, ApiServerConfig config, QObject* parent = nullptr);

    // `pattern` is a path whose {…} segments match any one segment ("/api/pems/conflicts/{id}").
    void route(QByteArray method, const QString& pattern, Access access, Handler handler);

    // Every route in the order installed (what /api/openapi.json must describe).
    [[nodiscard]] std::vector<RouteSummary> routes() const;

    void setObserver(Observer observer) { m_observer = std::move(observer); }

    // Authenticates an Authorization header value ("Bearer …"): the principal, or Unauthorized.
    [[nodiscard]] Expected<Principal> authenticate(QByteArrayView authorization) const;

protected:
    bool handleRequest(const QHttpServerRequest& request, QTcpSocket* socket) override;
    void missingHandler(const QHttpServerRequest& request, QTcpSocket* socket) override;

private:
    struct Route
    {
        QByteArray method;
        QString pattern;
        QStringList segments;
        Access access = Access::Token;
        Handler handler;
    };

    [[nodiscard]] HttpReply dispatch(const QHttpServerRequest& request, QString& routeLabel);
    [[nodiscard]] const Route* match(QByteArrayView method, const QStringList& segments,
                                     QStringList& captures, QByteArrayList& allowed) const;

    db::Database& m_database;
    ApiServerConfig m_config;
    RequestRateLimiter m_writeLimiter;
    std::vector<Route> m_routes;
    Observer m_observer;
};

} // namespace pfa::server
