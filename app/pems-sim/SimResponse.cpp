#include "SimResponse.h"

namespace pfa::sim {

const char* reasonPhrase(int status)
{
    switch (status) {
    case 200:
        return "OK";
    case 400:
        return "Bad Request";
    case 401:
        return "Unauthorized";
    case 403:
        return "Forbidden";
    case 404:
        return "Not Found";
    case 405:
        return "Method Not Allowed";
    case 409:
        return "Conflict";
    case 413:
        return "Content Too Large";
    case 429:
        return "Too Many Requests";
    case 500:
        return "Internal Server Error";
    case 503:
        return "Service Unavailable";
    default:
        return "Unknown";
    }
}

void SimResponse::addHeader(const char* name, const QByteArray& value)
{
    extraHeaders.append(name).append(": ").append(value).append("\r\n");
}

QByteArray SimResponse::serialize(bool closeConnection) const
{
    QByteArray out;
    out.reserve(128 + extraHeaders.size() + body.size());
    out.append("HTTP/1.1 ")
        .append(QByteArray::number(status))
        .append(' ')
        .append(reasonPhrase(status))
        .append("\r\nContent-Type: application/json\r\nContent-Length: ")
        .append(QByteArray::number(body.size()))
        .append("\r\n")
        .append(extraHeaders);
    if (closeConnection)
        out.append("Connection: close\r\n");
    out.append("\r\n").append(body);
    return out;
}

} // namespace pfa::sim
