#include "ServerThread.h"

#include "SimLog.h"
#include "SimServer.h"

#include <QTcpServer>

#include <unistd.h>

namespace pfa::sim {

ServerThread::ServerThread(SimState& state, qintptr listeningSocket, QObject* parent)
    : QThread(parent)
    , m_state(state)
    , m_listeningSocket(listeningSocket)
{}

void ServerThread::run()
{
    SimServer server(m_state);
    auto* tcp = new QTcpServer; // bind() makes it the server's child
    if (!tcp->setSocketDescriptor(m_listeningSocket)) {
        qCCritical(lcSim).noquote()
            << "cannot serve on the listening socket:" << tcp->errorString();
        delete tcp;
        ::close(static_cast<int>(m_listeningSocket));
        return;
    }
    server.bind(tcp);
    exec();
}

} // namespace pfa::sim
