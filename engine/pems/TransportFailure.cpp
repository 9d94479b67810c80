#include "pems/TransportFailure.h"

using namespace Qt::StringLiterals;

namespace pfa::pems {

bool isTransportError(QNetworkReply::NetworkError error)
{
    const int code = static_cast<int>(error);
    // 1-99: connection-level, 101-199: proxy, 399: a broken HTTP exchange (e.g. a body shorter
    // than its Content-Length). 201-299 and 401-499 are HTTP statuses that arrived whole.
    return (code >= 1 && code <= 199) || error == QNetworkReply::ProtocolFailure;
}

Transient transportFailure(QNetworkReply::NetworkError error, const QString& detail,
                           std::chrono::milliseconds timeout, std::optional<int> httpStatus)
{
    Transient out;
    out.httpStatus = httpStatus;
    const auto with = [&detail](const QString& summary) {
        return detail.isEmpty() ? summary : summary + u": "_s + detail;
    };
    switch (error) {
    case QNetworkReply::TimeoutError:
    case QNetworkReply::OperationCanceledError:
        // PemsClient never cancels a request it still reports on, so a cancellation is Qt's
        // transfer timeout firing (Qt 6.4 reports it as OperationCanceledError).
        out.cause = TransientCause::Timeout;
        out.message = u"no data from PEMS for %1 ms (timeout)"_s.arg(timeout.count());
        return out;
    case QNetworkReply::ConnectionRefusedError:
    case QNetworkReply::ProxyConnectionRefusedError:
        out.cause = TransientCause::ConnectionRefused;
        out.message = with(u"connection refused"_s);
        return out;
    case QNetworkReply::RemoteHostClosedError:
    case QNetworkReply::ProxyConnectionClosedError:
    case QNetworkReply::ProtocolFailure:
        out.cause = TransientCause::ConnectionClosed;
        out.message = with(u"connection closed before the response was complete"_s);
        return out;
    case QNetworkReply::HostNotFoundError:
    case QNetworkReply::ProxyNotFoundError:
        out.cause = TransientCause::HostNotFound;
        out.message = with(u"host not found"_s);
        return out;
    case QNetworkReply::SslHandshakeFailedError:
        out.cause = TransientCause::Tls;
        out.message = with(u"TLS handshake failed"_s);
        return out;
    case QNetworkReply::ProxyTimeoutError:
        out.cause = TransientCause::Timeout;
        out.message = with(u"proxy timeout"_s);
        return out;
    default:
        out.cause = TransientCause::Network;
        out.message = with(u"network error"_s);
        return out;
    }
}

} // namespace pfa::pems
