#include "server/EventRelay.h"

#include "server/ApiCall.h"
#include "server/ApiServer.h"
#include "server/ServerLog.h"

#include <QNetworkRequest>
#include <QTimer>
#include <QWebSocket>

#include <algorithm>

using namespace Qt::StringLiterals;

namespace pfa::server {

namespace {

// Closes with a reason the client can read; the socket goes once the close handshake is done
// (or after a bound, for a peer that never answers it).
void reject(std::unique_ptr<QWebSocket> owned, QWebSocketProtocol::CloseCode code,
            const QString& reason)
{
    QWebSocket* socket = owned.release();
    QObject::connect(socket, &QWebSocket::disconnected, socket, &QObject::deleteLater);
    QTimer::singleShot(5000, socket, &QObject::deleteLater);
    socket->close(code, reason);
}

} // namespace

EventRelay::EventRelay(ApiServer& server, qint64 maxBufferedBytes, QObject* parent)
    : QObject(parent)
    , m_server(server)
    , m_maxBufferedBytes(maxBufferedBytes)
{
    connect(&m_server, &ApiServer::newWebSocketConnection, this, &EventRelay::accept);
}

EventRelay::~EventRelay() = default;

int EventRelay::clientCount() const
{
    return int(m_clients.size());
}

void EventRelay::accept()
{
    while (m_server.hasPendingWebSocketConnections()) {
        std::unique_ptr<QWebSocket> socket = m_server.nextPendingWebSocketConnection();
        if (!socket)
            continue;
        const QStringList segments = socket->requestUrl().path().split(u'/', Qt::SkipEmptyParts);
        const auto organizationId =
            segments.size() == 3 && segments[0] == u"ws" && segments[1] == u"sync"
                ? parseId(segments[2])
                : std::nullopt;
        if (!organizationId) {
            reject(std::move(socket), QWebSocketProtocol::CloseCodeBadOperation,
                   u"no such endpoint: use /ws/sync/{organizationId}"_s);
            continue;
        }
        auto principal = m_server.authenticate(socket->request().rawHeader("Authorization"));
        if (!principal) {
            reject(std::move(socket), QWebSocketProtocol::CloseCodePolicyViolated,
                   principal.error().code == ErrorCode::Unauthorized
                       ? principal.error().message
                       : u"the service could not check the token"_s);
            continue;
        }
        if (!principal->belongsTo(*organizationId)) {
            // As for REST: another organization looks exactly like one that does not exist.
            reject(std::move(socket), QWebSocketProtocol::CloseCodePolicyViolated,
                   u"organization %1 does not exist"_s.arg(*organizationId));
            continue;
        }
        QWebSocket* raw = socket.get();
        connect(raw, &QWebSocket::disconnected, this, [this, raw] { remove(raw); });
        qCInfo(lcServer) << "event stream opened for organization" << *organizationId << "by"
                         << principal->user.email;
        m_clients.push_back({.socket = std::move(socket), .organizationId = *organizationId});
    }
}

void EventRelay::relay(const model::SyncEvent& event)
{
    const QString text = QString::fromStdString(model::toJson(event).dump());
    std::vector<QWebSocket*> tooSlow;
    for (const Client& client : m_clients) {
        // Events of no organization (the whole worker's state) go to everyone.
        if (event.organizationId != 0 && client.organizationId != event.organizationId)
            continue;
        if (client.socket->bytesToWrite() > m_maxBufferedBytes) {
            tooSlow.push_back(client.socket.get());
            continue;
        }
        client.socket->sendTextMessage(text);
    }
    for (QWebSocket* socket : tooSlow) {
        qCWarning(lcServer) << "dropping an event stream client that stopped reading";
        Q_EMIT clientDropped(u"too slow"_s);
        socket->close(QWebSocketProtocol::CloseCodeTooMuchData,
                      u"the client did not keep up with the event stream"_s);
        remove(socket);
    }
}

void EventRelay::remove(QWebSocket* socket)
{
    const auto found = std::ranges::find_if(
        m_clients, [socket](const Client& client) { return client.socket.get() == socket; });
    if (found == m_clients.end())
        return;
    // Deleted later: this may run inside one of the socket's own signals.
    found->socket.release()->deleteLater();
    m_clients.erase(found);
}

} // namespace pfa::server
