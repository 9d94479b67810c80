#include "server/ServiceClient.h"

#include "model/FieldValue.h"
#include "server/ClientLog.h"

#include <QElapsedTimer>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QNetworkRequest>

#include <algorithm>

using namespace Qt::StringLiterals;

namespace pfa::server {

namespace {

// A failure before a whole answer arrived, or nullopt when an HTTP status arrived complete.
std::optional<ServiceError> transportError(const QNetworkReply& reply, int timeoutMs)
{
    const QNetworkReply::NetworkError error = reply.error();
    const int code = int(error);
    // 1-199: connection and proxy level; 399: a broken exchange. Everything else came with an
    // HTTP status, which the caller reads.
    if (error == QNetworkReply::NoError ||
        !((code >= 1 && code <= 199) || error == QNetworkReply::ProtocolFailure))
        return std::nullopt;
    ServiceError out;
    switch (error) {
    case QNetworkReply::TimeoutError:
    case QNetworkReply::OperationCanceledError:
        // The client never aborts a request it still reports on: a cancellation is Qt's transfer
        // timeout (Qt 6.4 reports it as OperationCanceledError).
        out.kind = ServiceError::Kind::Timeout;
        out.message = u"no answer from the service within %1 ms"_s.arg(timeoutMs);
        return out;
    case QNetworkReply::SslHandshakeFailedError:
        out.kind = ServiceError::Kind::Tls;
        out.message = u"TLS handshake with the service failed: "_s + reply.errorString();
        return out;
    default:
        out.kind = ServiceError::Kind::Transport;
        out.message = reply.errorString();
        return out;
    }
}

// The service's error shape ({"success": false, "error", "message", "field"}), or a generic
// message when a proxy or another server answered instead.
ServiceError httpError(int status, const QByteArray& body, const QByteArray& retryAfter)
{
    ServiceError out{.kind = ServiceError::Kind::Http,
                     .httpStatus = status,
                     .code = {},
                     .message = {},
                     .field = {},
                     .retryAfter = std::nullopt};
    auto json = model::parseJson(body);
    if (json && json->is_object()) {
        const auto text = [&json](const char* key) {
            const auto found = json->find(key);
            return found != json->end() && found->is_string()
                       ? QString::fromStdString(found->get<std::string>())
                       : QString();
        };
        out.code = text("error");
        out.message = text("message");
        out.field = text("field");
    }
    if (out.message.isEmpty())
        out.message = u"the service answered HTTP %1"_s.arg(status);
    bool ok = false;
    const qint64 seconds = retryAfter.trimmed().toLongLong(&ok);
    if (ok && seconds >= 0)
        out.retryAfter = std::chrono::seconds(seconds);
    return out;
}

} // namespace

ServiceClient::ServiceClient(QNetworkAccessManager* network, ServiceEndpoint endpoint,
                             QObject* parent)
    : QObject(parent)
    , m_network(network)
    , m_endpoint(std::move(endpoint))
{}

ServiceClient::~ServiceClient()
{
    for (const QPointer<QNetworkReply>& reply : std::as_const(m_inFlight)) {
        if (!reply)
            continue;
        // Disconnect first: abort() emits finished() at once, and no callback may run now.
        reply->disconnect(this);
        reply->abort();
        reply->deleteLater();
    }
}

int ServiceClient::inFlightCount() const
{
    return int(
        std::ranges::count_if(m_inFlight, [](const auto& reply) { return !reply.isNull(); }));
}

void ServiceClient::send(const QByteArray& method, const QString& path, const QUrlQuery& query,
                         const QByteArray& body, std::initializer_list<int> alsoAnswers,
                         QObject* context, Callback<nlohmann::json> done)
{
    QUrl url = m_endpoint.httpUrl(path);
    if (!query.isEmpty())
        url.setQuery(query);
    QNetworkRequest request(url);
    m_endpoint.prepare(request);
    if (!body.isEmpty())
        request.setHeader(QNetworkRequest::ContentTypeHeader, QByteArray("application/json"));
    QNetworkReply* reply = m_network->sendCustomRequest(request, method, body);
    m_inFlight.append(reply);
    const QPointer<QObject> receiver(context);
    const bool hasContext = context != nullptr;
    const std::vector<int> accepted(alsoAnswers);
    auto clock = std::make_shared<QElapsedTimer>();
    clock->start();
    connect(
        reply, &QNetworkReply::finished, this,
        [this, reply, receiver, hasContext, accepted, clock, method, path,
         report = std::move(done)] {
            m_inFlight.removeAll(reply);
            reply->deleteLater();
            const int status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
            ServiceResult<nlohmann::json> result;
            if (auto broken = transportError(*reply, int(m_endpoint.timeout().count()))) {
                result = std::unexpected(*broken);
            } else if ((status >= 200 && status < 300) ||
                       std::ranges::find(accepted, status) != accepted.end()) {
                auto json = model::parseJson(reply->readAll());
                if (json && json->is_object())
                    result = std::move(*json);
                else
                    result = std::unexpected(
                        ServiceError{.kind = ServiceError::Kind::MalformedResponse,
                                     .httpStatus = status,
                                     .code = {},
                                     .message = u"the answer is not a JSON object"_s,
                                     .field = {},
                                     .retryAfter = std::nullopt});
            } else {
                result = std::unexpected(
                    httpError(status, reply->readAll(), reply->rawHeader("Retry-After")));
            }
            qCDebug(lcClient).noquote()
                << method << path << (status ? QString::number(status) : u"-"_s) << clock->elapsed()
                << "ms" << (result ? QString() : result.error().toString());
            if (hasContext && !receiver)
                return; // the caller is gone
            QObject* target = receiver ? receiver.data() : this;
            if (target->thread() == thread()) {
                report(std::move(result));
            } else {
                QMetaObject::invokeMethod(target, [report, answer = std::move(result)]() mutable {
                    report(std::move(answer));
                });
            }
        });
}

template<typename T>
void ServiceClient::sendTyped(const QByteArray& method, const QString& path, const QUrlQuery& query,
                              const QByteArray& body, QObject* context, Callback<T> callback,
                              Expected<T> (*parse)(const nlohmann::json&),
                              std::initializer_list<int> alsoAnswers)
{
    send(method, path, query, body, alsoAnswers, context,
         [report = std::move(callback), parse, path](ServiceResult<nlohmann::json> answer) {
             if (!answer) {
                 report(std::unexpected(answer.error()));
                 return;
             }
             auto parsed = parse(*answer);
             if (!parsed) {
                 report(std::unexpected(
                     ServiceError{.kind = ServiceError::Kind::MalformedResponse,
                                  .httpStatus = 0,
                                  .code = {},
                                  .message = u"the answer of %1 is not as documented: %2"_s.arg(
                                      path, parsed.error().toString()),
                                  .field = parsed.error().field,
                                  .retryAfter = std::nullopt}));
                 return;
             }
             report(std::move(*parsed));
         });
}

namespace {

QByteArray bodyOf(const nlohmann::json& json)
{
    return QByteArray::fromStdString(
        json.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
}

Expected<model::Conflict> conflictOfAnswer(const nlohmann::json& json)
{
    const auto found = json.find("conflict");
    if (found == json.end())
        return fail(ErrorCode::InvalidInput, u"is missing"_s, u"conflict"_s);
    return model::conflictFromJson(*found);
}

} // namespace

void ServiceClient::writeSync(const WriteSyncRequest& request, QObject* context,
                              Callback<WriteSyncAccepted> callback)
{
    sendTyped<WriteSyncAccepted>("POST", u"/api/pems/write-sync"_s, {}, bodyOf(request.toJson()),
                                 context, std::move(callback), &WriteSyncAccepted::fromJson);
}

void ServiceClient::syncStatus(const SyncStatusQuery& query, QObject* context,
                               Callback<SyncStatusReport> callback)
{
    sendTyped<SyncStatusReport>("GET", u"/api/pems/sync-status"_s, query.toQuery(), {}, context,
                                std::move(callback), &SyncStatusReport::fromJson);
}

void ServiceClient::conflicts(const ConflictQuery& query, QObject* context,
                              Callback<ConflictPage> callback)
{
    sendTyped<ConflictPage>("GET", u"/api/pems/conflicts"_s, query.toQuery(), {}, context,
                            std::move(callback), &ConflictPage::fromJson);
}

void ServiceClient::conflict(qint64 id, QObject* context, Callback<model::Conflict> callback)
{
    sendTyped<model::Conflict>("GET", u"/api/pems/conflicts/%1"_s.arg(id), {}, {}, context,
                               std::move(callback), &conflictOfAnswer);
}

void ServiceClient::resolve(qint64 conflictId, const ResolveRequest& request, QObject* context,
                            Callback<ResolveOutcome> callback)
{
    sendTyped<ResolveOutcome>("POST", u"/api/pems/conflicts/%1/resolve"_s.arg(conflictId), {},
                              bodyOf(request.toJson()), context, std::move(callback),
                              &ResolveOutcome::fromJson);
}

void ServiceClient::pause(std::optional<qint64> organizationId, const QString& reason,
                          QObject* context, Callback<WorkerSwitchState> callback)
{
    nlohmann::json body = {{"reason", reason.toStdString()}};
    if (organizationId)
        body["organizationId"] = *organizationId;
    sendTyped<WorkerSwitchState>("POST", u"/api/pems/worker/pause"_s, {}, bodyOf(body), context,
                                 std::move(callback), &WorkerSwitchState::fromJson);
}

void ServiceClient::resume(std::optional<qint64> organizationId, QObject* context,
                           Callback<WorkerSwitchState> callback)
{
    nlohmann::json body = nlohmann::json::object();
    if (organizationId)
        body["organizationId"] = *organizationId;
    sendTyped<WorkerSwitchState>("POST", u"/api/pems/worker/resume"_s, {}, bodyOf(body), context,
                                 std::move(callback), &WorkerSwitchState::fromJson);
}

void ServiceClient::health(QObject* context, Callback<Liveness> callback)
{
    sendTyped<Liveness>("GET", u"/health"_s, {}, {}, context, std::move(callback),
                        &Liveness::fromJson);
}

void ServiceClient::writeSyncHealth(QObject* context, Callback<WriteSyncHealth> callback)
{
    sendTyped<WriteSyncHealth>("GET", u"/health/write-sync"_s, {}, {}, context, std::move(callback),
                               &WriteSyncHealth::fromJson, {503});
}

void ServiceClient::get(const QString& path, const QUrlQuery& query, QObject* context,
                        Callback<nlohmann::json> callback)
{
    send("GET", path, query, {}, {}, context, std::move(callback));
}

void ServiceClient::post(const QString& path, const nlohmann::json& body, QObject* context,
                         Callback<nlohmann::json> callback)
{
    send("POST", path, {}, bodyOf(body), {}, context, std::move(callback));
}

} // namespace pfa::server
