#include "SimServer.h"

#include "PemsReplies.h"
#include "SimClock.h"
#include "SimLog.h"
#include "SimState.h"

#include <QMutexLocker>
#include <QTcpSocket>
#include <QTimer>
#include <QUrl>

using namespace Qt::StringLiterals;

namespace pfa::sim {

namespace {

constexpr QStringView ApiPrefix = u"/api/pems/";
constexpr QStringView AdminPrefix = u"/__admin/";

bool wantsClose(const QHttpServerRequest& request)
{
    return request.value(QByteArrayLiteral("connection")).compare("close", Qt::CaseInsensitive) ==
           0;
}

void send(QTcpSocket* socket, const QByteArray& bytes, bool close)
{
    socket->write(bytes);
    // Straight to the kernel rather than on the next turn of the event loop: one less wake-up
    // per request.
    socket->flush();
    if (close)
        socket->disconnectFromHost();
}

// The status line, the headers and half the body, then the connection goes: the client sees a
// response start and never finish.
void sendTruncated(QTcpSocket* socket, const QByteArray& bytes)
{
    const qsizetype headerEnd = bytes.indexOf("\r\n\r\n");
    const qsizetype bodyStart = headerEnd < 0 ? 0 : headerEnd + 4;
    const qsizetype cut = std::max<qsizetype>(bodyStart + (bytes.size() - bodyStart) / 2, 1);
    socket->write(bytes.first(std::min(cut, bytes.size() - 1)));
    socket->flush();
    socket->abort();
}

} // namespace

SimServer::SimServer(SimState& state, QObject* parent)
    : QAbstractHttpServer(parent)
    , m_state(state)
    , m_pems(state)
    , m_admin(state)
{}

bool SimServer::handleRequest(const QHttpServerRequest& request, QTcpSocket* socket)
{
    const QString path = request.url().path();
    const bool close = wantsClose(request);
    if (path.startsWith(ApiPrefix)) {
        servePems(request, path, socket, close);
    } else if (path.startsWith(AdminPrefix)) {
        send(socket, m_admin.handle(request, path).serialize(close), close); // locks inside
    } else {
        send(socket,
             PemsReplies::error(404, "NOT_FOUND",
                                u"no such endpoint: %1 (the API is under /api/pems)"_s.arg(path))
                 .serialize(close),
             close);
    }
    return true;
}

void SimServer::missingHandler(const QHttpServerRequest&, QTcpSocket*)
{
    // handleRequest() answers everything.
}

void SimServer::servePems(const QHttpServerRequest& request, QStringView path, QTcpSocket* socket,
                          bool close)
{
    const std::chrono::nanoseconds now = SimClock::monotonicNow();
    const RouteKind kind = PemsApi::classify(request.method(), path);
    QByteArray idempotencyKey;
    if (kind == RouteKind::Put || kind == RouteKind::Delete)
        idempotencyKey = request.value(QByteArrayLiteral("idempotency-key"));

    std::optional<SimResponse> refused; // rate limited or an injected error: PEMS never saw it
    FaultPlan::Decision fault;
    {
        const QMutexLocker lock(&m_state.mutex);
        m_state.stats.recordArrival(now);
        if (!idempotencyKey.isEmpty())
            m_state.idempotency.note(idempotencyKey);
        if (const auto wait = m_state.limiter.tryAcquire(now)) {
            refused = PemsReplies::tooManyRequests(
                "RATE_LIMITED",
                u"more than %1 requests in one second"_s.arg(m_state.limiter.limit()), *wait,
                m_state.faults.retryAfterFormat(), m_state.clock.nowMs());
        } else {
            fault = m_state.faults.decide(kind);
            if (fault.errorStatus == 429)
                refused = PemsReplies::tooManyRequests(
                    "RATE_LIMITED", u"too many requests (injected fault)"_s,
                    std::chrono::seconds(1), m_state.faults.retryAfterFormat(),
                    m_state.clock.nowMs());
            else if (fault.errorStatus == 503)
                refused = PemsReplies::error(503, "UNAVAILABLE",
                                             u"PEMS is unavailable (injected fault)"_s);
            else if (fault.errorStatus != 0)
                refused = PemsReplies::error(fault.errorStatus, "INTERNAL",
                                             u"PEMS failed (injected fault)"_s);
        }
    }

    SimResponse response =
        refused ? std::move(*refused) : m_pems.handle(kind, request, path, idempotencyKey);
    if (fault.garble) {
        // What a misbehaving proxy in front of PEMS sends: the status survives, the JSON does not.
        response.body =
            QByteArrayLiteral("<html><body><h1>Gateway</h1>upstream sent garbage</body></html>");
    }
    {
        const QMutexLocker lock(&m_state.mutex);
        m_state.stats.recordResponse(kind, response.status);
        if (fault.hang)
            m_state.stats.recordHung();
        else if (fault.drop)
            m_state.stats.recordDropped();
        else if (fault.garble)
            m_state.stats.recordGarbled();
        if (!fault.hang && fault.latencyMs > 0)
            m_state.stats.recordDelayed();
    }
    qCDebug(lcSim) << routeKindName(kind) << path << response.status;
    deliver(socket, response.serialize(close), fault, close);
}

void SimServer::deliver(QTcpSocket* socket, QByteArray bytes, const FaultPlan::Decision& fault,
                        bool close)
{
    if (fault.hang) {
        // The socket is the timer's context: if the client gives up first, the socket is
        // deleted and the timer with it.
        QTimer::singleShot(HangLimitMs, socket, [socket] { socket->abort(); });
        return;
    }
    const bool drop = fault.drop;
    if (fault.latencyMs <= 0) {
        if (drop)
            sendTruncated(socket, bytes);
        else
            send(socket, bytes, close);
        return;
    }
    QTimer::singleShot(fault.latencyMs, Qt::PreciseTimer, socket,
                       [socket, bytes = std::move(bytes), drop, close] {
                           if (drop)
                               sendTruncated(socket, bytes);
                           else
                               send(socket, bytes, close);
                       });
}

} // namespace pfa::sim
