#include "server/ServiceEndpoint.h"

#include <QNetworkRequest>
#include <QSslConfiguration>

using namespace Qt::StringLiterals;

namespace pfa::server {

Expected<ServiceEndpoint> ServiceEndpoint::create(const QUrl& baseUrl, QByteArray token,
                                                  const QString& caFile,
                                                  std::chrono::milliseconds timeout)
{
    if (!baseUrl.isValid() || baseUrl.host().isEmpty() ||
        (baseUrl.scheme() != u"http" && baseUrl.scheme() != u"https"))
        return fail(ErrorCode::InvalidInput,
                    u"the service URL must be http:// or https:// with a host"_s, u"url"_s);
    if (token.trimmed().isEmpty())
        return fail(ErrorCode::InvalidInput, u"an API token is needed"_s, u"token"_s);
    if (timeout.count() <= 0)
        return fail(ErrorCode::InvalidInput, u"the timeout must be positive"_s, u"timeout"_s);
    ServiceEndpoint endpoint;
    endpoint.m_baseUrl = baseUrl.adjusted(QUrl::StripTrailingSlash);
    endpoint.m_token = token.trimmed();
    endpoint.m_timeout = timeout;
    if (!caFile.isEmpty()) {
        endpoint.m_caCertificates = QSslCertificate::fromPath(caFile, QSsl::Pem);
        if (endpoint.m_caCertificates.isEmpty())
            return fail(ErrorCode::InvalidInput,
                        u"%1 cannot be read or holds no PEM certificate"_s.arg(caFile),
                        u"caCertificate"_s);
    }
    return endpoint;
}

QUrl ServiceEndpoint::httpUrl(const QString& path) const
{
    QUrl url = m_baseUrl;
    url.setPath(m_baseUrl.path() + path);
    return url;
}

QUrl ServiceEndpoint::webSocketUrl(const QString& path) const
{
    QUrl url = httpUrl(path);
    url.setScheme(tls() ? u"wss"_s : u"ws"_s);
    return url;
}

void ServiceEndpoint::prepare(QNetworkRequest& request) const
{
    request.setRawHeader("Authorization", "Bearer " + m_token);
    request.setTransferTimeout(int(m_timeout.count()));
    // The service never redirects; following one could carry the token elsewhere.
    request.setAttribute(QNetworkRequest::RedirectPolicyAttribute,
                         QNetworkRequest::ManualRedirectPolicy);
    if (tls()) {
        QSslConfiguration configuration = QSslConfiguration::defaultConfiguration();
        if (!m_caCertificates.isEmpty())
            configuration.addCaCertificates(m_caCertificates);
        request.setSslConfiguration(configuration);
    }
}

} // namespace pfa::server
