#pragma once

#include "model/SyncEvent.h"
#include "server/ServiceEndpoint.h"

#include <QObject>
#include <QTimer>

#include <chrono>
#include <memory>

class QWebSocket;

namespace pfa::server {

// The live events of one organization (WS /ws/sync/{organizationId}), for the console's remote
// mode. Emits each event as model::SyncEvent in the order the service sent it (commit order).
//
// The connection is kept up: when it drops (network, service restart, a close by the service) it
// reconnects after a capped exponential backoff with jitter (initialDelay, doubling, maxDelay).
// The service does not replay what it sent while the console was away, so every reconnect after
// an open stream emits resynchronizeNeeded(): views reload their state from the REST API then.
// A refusal by the service (close code 1008: bad token, not a member; 1011: no such endpoint) is
// final: retrying cannot help, so the client stops and reports refused() with the service's
// reason. The token travels in the Authorization header of the upgrade request and is never
// logged.
class EventStreamClient final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(EventStreamClient)

public:
    enum class State
    {
        Idle,       // not started, or close() was called
        Connecting, // opening (first time or again)
        Open,       // events flow
        Waiting,    // dropped; the next attempt is scheduled
        Refused,    // the service refused the stream; open() again after fixing the cause
    };
    Q_ENUM(State)

    struct Backoff
    {
        std::chrono::milliseconds initialDelay{500};
        std::chrono::milliseconds maxDelay{30'000};
    };

    EventStreamClient(ServiceEndpoint endpoint, qint64 organizationId, Backoff backoff,
                      QObject* parent = nullptr);
    EventStreamClient(ServiceEndpoint endpoint, qint64 organizationId, QObject* parent = nullptr)
        : EventStreamClient(std::move(endpoint), organizationId, Backoff{}, parent)
    {}
    ~EventStreamClient() override;

    void open();
    // Closes (code 1000) and stops reconnecting.
    void close();

    [[nodiscard]] State state() const { return m_state; }
    [[nodiscard]] qint64 organizationId() const { return m_organizationId; }
    // Attempts since the stream was last open (0 while open).
    [[nodiscard]] int failedAttempts() const { return m_failedAttempts; }
    // The delay before attempt n+1 after n failed ones, without the jitter.
    [[nodiscard]] std::chrono::milliseconds delayAfter(int failedAttempts) const;

Q_SIGNALS:
    void stateChanged(pfa::server::EventStreamClient::State state);
    void eventReceived(const pfa::model::SyncEvent& event);
    // The service closed an open stream and said why (1001 going away at shutdown, 1009 when the
    // console did not keep up). A reconnect follows.
    void closedByService(int closeCode, const QString& reason);
    // Final: the service refused the stream (bad or revoked token, not a member).
    void refused(int closeCode, const QString& reason);
    // The stream is open again after a gap: events of the gap were not delivered.
    void resynchronizeNeeded();
    // A message that is not a SyncEvent (skipped; the stream goes on).
    void malformedEvent(const QString& message);

private:
    void connectNow();
    void onConnected();
    void onDisconnected();
    void onMessage(const QString& text);
    void setState(State state);
    void scheduleReconnect();

    ServiceEndpoint m_endpoint;
    qint64 m_organizationId;
    Backoff m_backoff;
    std::unique_ptr<QWebSocket> m_socket;
    QTimer m_retry;
    State m_state = State::Idle;
    int m_failedAttempts = 0;
    bool m_wasOpen = false; // a stream was open before: the next open leaves a gap
};

} // namespace pfa::server
