#pragma once

#include "model/SyncEvent.h"

#include <QObject>

#include <functional>
#include <memory>
#include <vector>

class QWebSocket;

namespace pfa::server {

class ApiServer;
struct Principal;

// WS /ws/sync/{organizationId}: relays the sync events of one organization, in commit order, to
// each subscribed client. A client authenticates like REST (Authorization: Bearer …) and must
// belong to the organization; otherwise the socket is closed with a reason (policy violation).
// A client that stops reading is dropped once `maxBufferedBytes` wait unsent, so it cannot hold
// memory or delay the others.
class EventRelay final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(EventRelay)

public:
    EventRelay(ApiServer& server, qint64 maxBufferedBytes, QObject* parent = nullptr);
    ~EventRelay() override;

    // Feed it every event (connected to sync::EventBus::eventReceived by the composition root).
    void relay(const model::SyncEvent& event);
    [[nodiscard]] int clientCount() const;

Q_SIGNALS:
    void clientDropped(const QString& reason);

private:
    struct Client
    {
        std::unique_ptr<QWebSocket> socket;
        qint64 organizationId = 0;
    };

    void accept();
    void remove(QWebSocket* socket);

    ApiServer& m_server;
    qint64 m_maxBufferedBytes;
    std::vector<Client> m_clients;
};

} // namespace pfa::server
