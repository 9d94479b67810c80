#pragma once

#include "server/ServiceCalls.h"
#include "server/ServiceEndpoint.h"
#include "server/ServiceError.h"

#include <QObject>
#include <QPointer>

#include <functional>

#include <nlohmann/json.hpp>

class QNetworkAccessManager;
class QNetworkReply;

namespace pfa::server {

// The console's side of the service API (docs/api.md), for the desktop's remote mode. Every call
// returns at once and later invokes its callback exactly once with the answer or a ServiceError,
// in the context object's thread, unless the context or the client is destroyed first (then never).
// Typed calls for the routes the console is built on; get() and post() for the rest, answering the
// JSON body of a success as it came.
//
// The client owns the HTTP mechanics: the bearer token, the request timeout, TLS (with the
// endpoint's extra CA), no redirects, and the mapping of error answers and transport failures to
// ServiceError. It logs one debug line per request in pfa.server.client (method, path, status,
// milliseconds), never a header, so the token is never logged. It never retries: a 429 carries
// retryAfter for the caller to honour.
//
// Use it from the thread of the injected QNetworkAccessManager, which must outlive it. A manager
// keeps up to six connections per host; give a client its own manager for a connection of its own.
class ServiceClient final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(ServiceClient)

public:
    template<typename T>
    using Callback = std::function<void(ServiceResult<T>)>;

    ServiceClient(QNetworkAccessManager* network, ServiceEndpoint endpoint,
                  QObject* parent = nullptr);
    // Aborts every request in flight; none of their callbacks runs.
    ~ServiceClient() override;

    void writeSync(const WriteSyncRequest& request, QObject* context,
                   Callback<WriteSyncAccepted> callback);
    void syncStatus(const SyncStatusQuery& query, QObject* context,
                    Callback<SyncStatusReport> callback);
    void conflicts(const ConflictQuery& query, QObject* context, Callback<ConflictPage> callback);
    void conflict(qint64 id, QObject* context, Callback<model::Conflict> callback);
    void resolve(qint64 conflictId, const ResolveRequest& request, QObject* context,
                 Callback<ResolveOutcome> callback);
    // organizationId nullopt: every organization (administrators only).
    void pause(std::optional<qint64> organizationId, const QString& reason, QObject* context,
               Callback<WorkerSwitchState> callback);
    void resume(std::optional<qint64> organizationId, QObject* context,
                Callback<WorkerSwitchState> callback);
    void health(QObject* context, Callback<Liveness> callback);
    // 200 (healthy) and 503 (unhealthy) are both answers here, not errors.
    void writeSyncHealth(QObject* context, Callback<WriteSyncHealth> callback);

    // Any other route ("/api/pems/sync-jobs"): the JSON body of a 2xx answer.
    void get(const QString& path, const QUrlQuery& query, QObject* context,
             Callback<nlohmann::json> callback);
    void post(const QString& path, const nlohmann::json& body, QObject* context,
              Callback<nlohmann::json> callback);

    [[nodiscard]] const ServiceEndpoint& endpoint() const { return m_endpoint; }
    [[nodiscard]] int inFlightCount() const;

private:
    // One exchange: the JSON body of an answer whose status is 2xx or in `alsoAnswers`.
    void send(const QByteArray& method, const QString& path, const QUrlQuery& query,
              const QByteArray& body, std::initializer_list<int> alsoAnswers, QObject* context,
              Callback<nlohmann::json> done);
    template<typename T>
    void sendTyped(const QByteArray& method, const QString& path, const QUrlQuery& query,
                   const QByteArray& body, QObject* context, Callback<T> callback,
                   Expected<T> (*parse)(const nlohmann::json&),
                   std::initializer_list<int> alsoAnswers = {});

    QNetworkAccessManager* m_network;
    ServiceEndpoint m_endpoint;
    QList<QPointer<QNetworkReply>> m_inFlight;
};

} // namespace pfa::server
