#pragma once

#include <QByteArray>

namespace pfa::sim {

// One HTTP response before it goes on the wire. Bodies are always JSON.
struct SimResponse
{
    int status = 200;
    QByteArray body;
    QByteArray extraHeaders; // complete "Name: value\r\n" lines

    void addHeader(const char* name, const QByteArray& value);

    // The bytes to send: status line, Content-Type, Content-Length, the extra headers, body.
    [[nodiscard]] QByteArray serialize(bool closeConnection) const;
};

[[nodiscard]] const char* reasonPhrase(int status);

} // namespace pfa::sim
