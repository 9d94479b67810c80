#pragma once

#include "model/Error.h"

#include <QByteArray>
#include <QList>
#include <QSslCertificate>
#include <QString>
#include <QUrl>

#include <chrono>

class QNetworkRequest;

namespace pfa::server {

// Where a --service instance is and how to reach it, shared by ServiceClient and
// EventStreamClient. The token is a secret: nothing here prints it, and neither client logs
// request headers.
class ServiceEndpoint final
{
public:
    // `baseUrl`: http:// or https:// with a host, e.g. "https://sync.example:8787". `caFile`
    // (optional): a PEM file of certificates trusted in addition to the system's, for a service
    // whose certificate a private CA signed. `timeout`: how long a request may go without data.
    [[nodiscard]] static Expected<ServiceEndpoint>
    create(const QUrl& baseUrl, QByteArray token, const QString& caFile = {},
           std::chrono::milliseconds timeout = std::chrono::seconds(30));

    [[nodiscard]] const QUrl& baseUrl() const { return m_baseUrl; }
    [[nodiscard]] bool tls() const { return m_baseUrl.scheme() == u"https"; }
    [[nodiscard]] std::chrono::milliseconds timeout() const { return m_timeout; }

    // The URL of `path` ("/api/pems/sync-status") on the service, http(s) or ws(s).
    [[nodiscard]] QUrl httpUrl(const QString& path) const;
    [[nodiscard]] QUrl webSocketUrl(const QString& path) const;
    // Authorization, the timeout and, for https, the TLS configuration with the extra CA.
    void prepare(QNetworkRequest& request) const;

private:
    ServiceEndpoint() = default;

    QUrl m_baseUrl;
    QByteArray m_token;
    QList<QSslCertificate> m_caCertificates;
    std::chrono::milliseconds m_timeout{30'000};
};

} // namespace pfa::server
