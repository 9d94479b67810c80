#pragma once

#include "AdminApi.h"
#include "FaultPlan.h"
#include "PemsApi.h"

#include <QAbstractHttpServer>

namespace pfa::sim {

struct SimState;

// The HTTP side: QAbstractHttpServer parses requests; handleRequest() gets the socket, so that
// a response can be delayed, dropped half-way or never sent, as the fault plan says. Responses are
// written whole, in one write, with Content-Length, on keep-alive connections. One per server
// thread; the state they share is guarded by its mutex.
class SimServer final : public QAbstractHttpServer
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(SimServer)

public:
    // How long a "hanging" request is held before its connection is closed.
    static constexpr int HangLimitMs = 120'000;

    explicit SimServer(SimState& state, QObject* parent = nullptr);

protected:
    bool handleRequest(const QHttpServerRequest& request, QTcpSocket* socket) override;
    void missingHandler(const QHttpServerRequest& request, QTcpSocket* socket) override;

private:
    void servePems(const QHttpServerRequest& request, QStringView path, QTcpSocket* socket,
                   bool close);
    void deliver(QTcpSocket* socket, QByteArray bytes, const FaultPlan::Decision& fault,
                 bool close);

    SimState& m_state;
    PemsApi m_pems;
    AdminApi m_admin;
};

} // namespace pfa::sim
