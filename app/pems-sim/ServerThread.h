#pragma once

#include <QThread>

namespace pfa::sim {

struct SimState;

// One server thread: its own event loop, SimServer and QTcpServer on one of the listening
// sockets (SO_REUSEPORT, so the kernel spreads connections over the threads). The objects live
// on run()'s stack, so they are created and destroyed in this thread.
class ServerThread final : public QThread
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(ServerThread)

public:
    ServerThread(SimState& state, qintptr listeningSocket, QObject* parent = nullptr);

protected:
    void run() override;

private:
    SimState& m_state;
    qintptr m_listeningSocket;
};

} // namespace pfa::sim
