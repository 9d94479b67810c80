#pragma once

#include "model/Error.h"

#include <QHostAddress>

#include <vector>

namespace pfa::sim {

// Listening TCP sockets on one address and port, one per server thread, opened with SO_REUSEPORT
// so the kernel balances connections between them. Port 0: the first socket picks a free port and
// the others join it.
struct ListeningSockets
{
    std::vector<qintptr> descriptors;
    quint16 port = 0;

    [[nodiscard]] static Expected<ListeningSockets> open(const QHostAddress& address, quint16 port,
                                                         int count);
};

} // namespace pfa::sim
