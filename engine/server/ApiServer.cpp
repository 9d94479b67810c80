#include "server/ApiServer.h"

#include "db/Database.h"
#include "db/TokenRepository.h"
#include "server/ServerLog.h"

#include <QElapsedTimer>
#include <QHttpServerRequest>
#include <QHttpServerResponder>
#include <QTcpSocket>

using namespace Qt::StringLiterals;

namespace pfa::server {

namespace {

QStringList pathSegments(const QString& path)
{
    return path.split(u'/', Qt::SkipEmptyParts);
}

QByteArray methodName(QHttpServerRequest::Method method)
{
    switch (method) {
    case QHttpServerRequest::Method::Get:
        return QByteArrayLiteral("GET");
    case QHttpServerRequest::Method::Post:
        return QByteArrayLiteral("POST");
    case QHttpServerRequest::Method::Put:
        return QByteArrayLiteral("PUT");
    case QHttpServerRequest::Method::Delete:
        return QByteArrayLiteral("DELETE");
    case QHttpServerRequest::Method::Patch:
        return QByteArrayLiteral("PATCH");
    case QHttpServerRequest::Method::Head:
        return QByteArrayLiteral("HEAD");
    case QHttpServerRequest::Method::Options:
        return QByteArrayLiteral("OPTIONS");
    default:
        return QByteArrayLiteral("OTHER");
    }
}

HttpReply unauthorized(const QString& message)
{
    HttpReply reply = HttpReply::error(401, "UNAUTHORIZED"_L1, message);
    reply.headers.append(
        {QByteArrayLiteral("WWW-Authenticate"), QByteArrayLiteral("Bearer realm=\"pfa-sync\"")});
    return reply;
}

} // namespace

ApiServer::ApiServer(db::Database& database, ApiServerConfig config, QObject* parent)
    : QAbstractHttpServer(parent)
    , m_database(database)
    , m_config(config)
    , m_writeLimiter(config.writeRequestsPerSecond)
{}

void ApiServer::route(QByteArray method, const QString& pattern, Access access, Handler handler)
{
    m_routes.push_back({.method = std::move(method),
                        .pattern = pattern,
                        .segments = pathSegments(pattern),
                        .access = access,
                        .handler = std::move(handler)});
}

const ApiServer::Route* ApiServer::match(QByteArrayView method, const QStringList& segments,
                                         QStringList& captures, QByteArrayList& allowed) const
{
    for (const Route& route : m_routes) {
        if (route.segments.size() != segments.size())
            continue;
        QStringList found;
        bool matches = true;
        for (qsizetype i = 0; i < segments.size() && matches; ++i) {
            const QString& expected = route.segments.at(i);
            if (expected.startsWith(u'{'))
                found.append(segments.at(i));
            else
                matches = expected == segments.at(i);
        }
        if (!matches)
            continue;
        if (route.method == method) {
            captures = std::move(found);
            return &route;
        }
        if (!allowed.contains(route.method))
            allowed.append(route.method);
    }
    return nullptr;
}

std::vector<ApiServer::RouteSummary> ApiServer::routes() const
{
    std::vector<RouteSummary> summaries;
    summaries.reserve(m_routes.size());
    for (const Route& route : m_routes)
        summaries.push_back(
            {.method = route.method, .pattern = route.pattern, .access = route.access});
    return summaries;
}

Expected<Principal> ApiServer::authenticate(QByteArrayView authorization) const
{
    constexpr QByteArrayView Scheme = "Bearer ";
    if (authorization.isEmpty())
        return fail(ErrorCode::Unauthorized,
                    u"this endpoint needs an API token: send Authorization: Bearer <token>"_s);
    if (!authorization.startsWith(Scheme) || authorization.size() == Scheme.size())
        return fail(ErrorCode::Unauthorized,
                    u"the Authorization header must be \"Bearer <token>\""_s);
    auto connection = m_database.connection();
    if (!connection)
        return std::unexpected(connection.error());
    auto owner = db::TokenRepository(*connection)
                     .authenticate(authorization.sliced(Scheme.size()).trimmed());
    if (!owner)
        return std::unexpected(owner.error());
    if (!*owner)
        return fail(ErrorCode::Unauthorized, u"the API token is invalid, expired or revoked"_s);
    return Principal{.tokenId = (*owner)->token.id,
                     .user = std::move((*owner)->user),
                     .permissions = std::move((*owner)->permissions)};
}

HttpReply ApiServer::dispatch(const QHttpServerRequest& request, QString& routeLabel)
{
    const QByteArray method = methodName(request.method());
    const QString path = request.url().path();
    QStringList captures;
    QByteArrayList allowed;
    const Route* route = match(method, pathSegments(path), captures, allowed);
    if (!route && allowed.isEmpty())
        return HttpReply::error(404, "NOT_FOUND"_L1, u"no such endpoint: %1"_s.arg(path));
    if (!route) {
        // RFC 9110: a 405 names the methods the path does have.
        HttpReply reply =
            HttpReply::error(405, "METHOD_NOT_ALLOWED"_L1,
                             u"%1 is not allowed on %2"_s.arg(QString::fromLatin1(method), path));
        reply.headers.append({QByteArrayLiteral("Allow"), allowed.join(", ")});
        return reply;
    }
    routeLabel = route->pattern;
    if (request.body().size() > m_config.maxBodyBytes ||
        request.value(QByteArrayLiteral("content-length")).toLongLong() > m_config.maxBodyBytes)
        return HttpReply::error(413, "PAYLOAD_TOO_LARGE"_L1,
                                u"the body is larger than %1 bytes"_s.arg(m_config.maxBodyBytes),
                                u"body"_s);

    ApiCall call{.method = method,
                 .path = path,
                 .captures = std::move(captures),
                 .query = QUrlQuery(request.url()),
                 .body = request.body(),
                 .principal = std::nullopt};
    if (route->access != Access::Public) {
        auto principal = authenticate(request.value(QByteArrayLiteral("authorization")));
        if (!principal) {
            return principal.error().code == ErrorCode::Unauthorized
                       ? unauthorized(principal.error().message)
                       : HttpReply::fromError(principal.error());
        }
        call.principal = std::move(*principal);
        if (route->access == Access::TokenLimited) {
            if (const auto wait = m_writeLimiter.tryAcquire(call.principal->tokenId)) {
                HttpReply reply = HttpReply::error(
                    429, "RATE_LIMITED"_L1,
                    u"more than %1 write requests per second with this token"_s.arg(
                        m_writeLimiter.perSecond()));
                const qint64 seconds = std::max<qint64>(1, (wait->count() + 999) / 1000);
                reply.headers.append(
                    {QByteArrayLiteral("Retry-After"), QByteArray::number(seconds)});
                return reply;
            }
        }
    }
    return route->handler(call);
}

bool ApiServer::handleRequest(const QHttpServerRequest& request, QTcpSocket* socket)
{
    // QAbstractHttpServer (6.4) hands a WebSocket upgrade to its WebSocket server when this
    // claims it (true) without answering; authentication happens there (EventRelay).
    if (request.value(QByteArrayLiteral("upgrade")).compare("websocket", Qt::CaseInsensitive) ==
            0 &&
        request.url().path().startsWith(u"/ws/"_s))
        return true;
    QElapsedTimer timer;
    timer.start();
    QString routeLabel = u"unmatched"_s;
    const HttpReply reply = dispatch(request, routeLabel);
    QHttpServerResponder responder = makeResponder(request, socket);
    // What QHttpServerResponder::write() does, with a header list built at run time.
    responder.writeStatusLine(static_cast<QHttpServerResponder::StatusCode>(reply.status));
    responder.writeHeader(QByteArrayLiteral("Content-Type"), reply.contentType);
    responder.writeHeader(QByteArrayLiteral("Cache-Control"), QByteArrayLiteral("no-store"));
    responder.writeHeader(QByteArrayLiteral("X-Content-Type-Options"),
                          QByteArrayLiteral("nosniff"));
    for (const auto& [name, value] : reply.headers)
        responder.writeHeader(name, value);
    responder.writeHeader(QByteArrayLiteral("Content-Length"),
                          QByteArray::number(reply.body.size()));
    responder.writeBody(reply.body);
    const qint64 elapsedNs = timer.nsecsElapsed();
    if (m_observer)
        m_observer(routeLabel, reply.status, double(elapsedNs) / 1e9);
    // Percent-encoded: a decoded path segment (a record id) could carry a newline into the log.
    qCInfo(lcServer).noquote() << methodName(request.method())
                               << request.url().path(QUrl::FullyEncoded) << reply.status
                               << elapsedNs / 1'000'000 << "ms";
    return true;
}

void ApiServer::missingHandler(const QHttpServerRequest&, QTcpSocket*)
{
    // handleRequest() answers everything.
}

} // namespace pfa::server
