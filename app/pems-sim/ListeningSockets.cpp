#include "ListeningSockets.h"

#include <QString>

#include <arpa/inet.h>
#include <cerrno>
#include <cstring>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

using namespace Qt::StringLiterals;

namespace pfa::sim {

namespace {

QString lastError()
{
    return QString::fromLocal8Bit(std::strerror(errno));
}

// The address as the socket API wants it.
socklen_t toSockaddr(const QHostAddress& address, quint16 port, sockaddr_storage& out)
{
    out = {};
    if (address.protocol() == QAbstractSocket::IPv6Protocol) {
        auto* in6 = reinterpret_cast<sockaddr_in6*>(&out);
        in6->sin6_family = AF_INET6;
        in6->sin6_port = htons(port);
        const Q_IPV6ADDR bytes = address.toIPv6Address();
        std::memcpy(&in6->sin6_addr, bytes.c, sizeof(bytes.c));
        return sizeof(sockaddr_in6);
    }
    auto* in = reinterpret_cast<sockaddr_in*>(&out);
    in->sin_family = AF_INET;
    in->sin_port = htons(port);
    in->sin_addr.s_addr = htonl(address.toIPv4Address());
    return sizeof(sockaddr_in);
}

} // namespace

Expected<ListeningSockets> ListeningSockets::open(const QHostAddress& address, quint16 port,
                                                  int count)
{
    ListeningSockets sockets;
    sockets.port = port;
    const auto closeAll = [&sockets] {
        for (const qintptr fd : sockets.descriptors)
            ::close(static_cast<int>(fd));
        sockets.descriptors.clear();
    };
    const int family = address.protocol() == QAbstractSocket::IPv6Protocol ? AF_INET6 : AF_INET;
    if (port != 0) {
        // SO_REUSEPORT would let a second pems-sim share the port (and half the connections)
        // with the first: listening once without it proves nobody listens there yet.
        const int probe = ::socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0);
        const int on = 1;
        ::setsockopt(probe, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
        sockaddr_storage storage;
        const socklen_t length = toSockaddr(address, port, storage);
        const bool free = ::bind(probe, reinterpret_cast<sockaddr*>(&storage), length) == 0 &&
                          ::listen(probe, 1) == 0;
        const QString error = lastError();
        ::close(probe);
        if (!free)
            return fail(
                ErrorCode::Io,
                u"cannot listen on %1 port %2: %3"_s.arg(address.toString()).arg(port).arg(error));
    }
    for (int i = 0; i < count; ++i) {
        const int fd = ::socket(family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        if (fd < 0) {
            closeAll();
            return fail(ErrorCode::Io, u"cannot open a socket: %1"_s.arg(lastError()));
        }
        sockets.descriptors.push_back(fd);
        const int on = 1;
        ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
        ::setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &on, sizeof(on));
        sockaddr_storage storage;
        const socklen_t length = toSockaddr(address, sockets.port, storage);
        if (::bind(fd, reinterpret_cast<sockaddr*>(&storage), length) != 0 ||
            ::listen(fd, SOMAXCONN) != 0) {
            const QString error = lastError();
            closeAll();
            return fail(
                ErrorCode::Io,
                u"cannot listen on %1 port %2: %3"_s.arg(address.toString()).arg(port).arg(error));
        }
        if (sockets.port == 0) {
            socklen_t boundLength = sizeof(storage);
            ::getsockname(fd, reinterpret_cast<sockaddr*>(&storage), &boundLength);
            sockets.port =
                ntohs(family == AF_INET6 ? reinterpret_cast<sockaddr_in6*>(&storage)->sin6_port
                                         : reinterpret_cast<sockaddr_in*>(&storage)->sin_port);
        }
    }
    return sockets;
}

} // namespace pfa::sim
