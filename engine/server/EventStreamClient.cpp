#include "server/EventStreamClient.h"

#include "model/FieldValue.h"
#include "server/ClientLog.h"

#include <QNetworkRequest>
#include <QRandomGenerator>
#include <QWebSocket>

#include <algorithm>

using namespace Qt::StringLiterals;

namespace pfa::server {

namespace {

// The service's refusals (EventRelay): asking again with the same token cannot succeed.
bool isRefusal(QWebSocketProtocol::CloseCode code)
{
    return code == QWebSocketProtocol::CloseCodePolicyViolated ||
           code == QWebSocketProtocol::CloseCodeBadOperation;
}

} // namespace

EventStreamClient::EventStreamClient(ServiceEndpoint endpoint, qint64 organizationId,
                                     Backoff backoff, QObject* parent)
    : QObject(parent)
    , m_endpoint(std::move(endpoint))
    , m_organizationId(organizationId)
    , m_backoff(backoff)
{
    m_retry.setSingleShot(true);
    connect(&m_retry, &QTimer::timeout, this, &EventStreamClient::connectNow);
}

EventStreamClient::~EventStreamClient()
{
    if (m_socket) {
        m_socket->disconnect(this);
        m_socket->abort();
    }
}

std::chrono::milliseconds EventStreamClient::delayAfter(int failedAttempts) const
{
    if (failedAttempts <= 0)
        return std::chrono::milliseconds(0);
    // Doubling from the initial delay; the shift is bounded so it cannot overflow.
    const qint64 initial = std::max<qint64>(m_backoff.initialDelay.count(), 1);
    const qint64 doubled = initial << std::min(failedAttempts - 1, 20);
    return std::chrono::milliseconds(std::min<qint64>(doubled, m_backoff.maxDelay.count()));
}

void EventStreamClient::open()
{
    if (m_state == State::Connecting || m_state == State::Open)
        return;
    m_failedAttempts = 0;
    connectNow();
}

void EventStreamClient::close()
{
    m_retry.stop();
    setState(State::Idle);
    m_wasOpen = false;
    if (m_socket)
        m_socket->close(QWebSocketProtocol::CloseCodeNormal);
}

void EventStreamClient::connectNow()
{
    if (m_socket) {
        // An earlier socket: its signals would now describe the wrong attempt.
        m_socket->disconnect(this);
        m_socket->abort();
        m_socket.release()->deleteLater();
    }
    m_socket = std::make_unique<QWebSocket>();
    connect(m_socket.get(), &QWebSocket::connected, this, &EventStreamClient::onConnected);
    connect(m_socket.get(), &QWebSocket::disconnected, this, &EventStreamClient::onDisconnected);
    connect(m_socket.get(), &QWebSocket::textMessageReceived, this, &EventStreamClient::onMessage);
    QNetworkRequest request(m_endpoint.webSocketUrl(u"/ws/sync/%1"_s.arg(m_organizationId)));
    m_endpoint.prepare(request);
    if (m_endpoint.tls())
        m_socket->setSslConfiguration(request.sslConfiguration());
    // QWebSocket (Qt 6.4) has no handshake timeout of its own: an attempt that hangs is aborted,
    // which reports disconnected() and schedules the next one.
    QTimer::singleShot(m_endpoint.timeout(), m_socket.get(), [socket = m_socket.get()] {
        if (socket->state() != QAbstractSocket::ConnectedState)
            socket->abort();
    });
    setState(State::Connecting);
    qCDebug(lcClient) << "opening the event stream of organization" << m_organizationId << "attempt"
                      << (m_failedAttempts + 1);
    m_socket->open(request);
}

void EventStreamClient::onConnected()
{
    m_failedAttempts = 0;
    const bool gap = m_wasOpen;
    m_wasOpen = true;
    setState(State::Open);
    qCInfo(lcClient) << "event stream of organization" << m_organizationId << "open";
    if (gap)
        Q_EMIT resynchronizeNeeded();
}

void EventStreamClient::onDisconnected()
{
    if (m_state == State::Idle)
        return; // close() asked for it
    const QWebSocketProtocol::CloseCode code = m_socket->closeCode();
    const QString reason = m_socket->closeReason();
    const bool wasOpen = m_state == State::Open;
    if (isRefusal(code)) {
        qCWarning(lcClient).noquote() << "the service refused the event stream of organization"
                                      << m_organizationId << "(" << int(code) << "):" << reason;
        m_retry.stop();
        m_wasOpen = false;
        setState(State::Refused);
        Q_EMIT refused(int(code), reason);
        return;
    }
    if (wasOpen &&
        (code != QWebSocketProtocol::CloseCodeAbnormalDisconnection || !reason.isEmpty())) {
        qCInfo(lcClient).noquote()
            << "the service closed the event stream (" << int(code) << "):" << reason;
        Q_EMIT closedByService(int(code), reason);
    } else if (!wasOpen) {
        qCDebug(lcClient).noquote() << "event stream attempt failed:" << m_socket->errorString();
    }
    scheduleReconnect();
}

void EventStreamClient::scheduleReconnect()
{
    ++m_failedAttempts;
    const auto base = delayAfter(m_failedAttempts);
    // ±20 % so that consoles dropped together by a restart do not all come back in one instant.
    const double factor = 0.8 + 0.4 * QRandomGenerator::global()->generateDouble();
    m_retry.start(std::chrono::milliseconds(qint64(double(base.count()) * factor)));
    setState(State::Waiting);
}

void EventStreamClient::onMessage(const QString& text)
{
    auto json = model::parseJson(text.toUtf8());
    if (!json) {
        qCWarning(lcClient).noquote()
            << "skipping an event that is not JSON:" << json.error().message;
        Q_EMIT malformedEvent(json.error().toString());
        return;
    }
    auto event = model::syncEventFromJson(*json);
    if (!event) {
        qCWarning(lcClient).noquote()
            << "skipping an event that is not a sync event:" << event.error().toString();
        Q_EMIT malformedEvent(event.error().toString());
        return;
    }
    Q_EMIT eventReceived(*event);
}

void EventStreamClient::setState(State state)
{
    if (state == m_state)
        return;
    m_state = state;
    Q_EMIT stateChanged(state);
}

} // namespace pfa::server
