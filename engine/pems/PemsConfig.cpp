#include "pems/PemsConfig.h"

#include <QHostAddress>

#include <algorithm>

using namespace Qt::StringLiterals;

namespace pfa::pems {

namespace {

constexpr std::chrono::milliseconds kMaxTimeout{std::chrono::minutes(10)};

std::unexpected<Error> configError(const QString& field, const QString& message)
{
    return fail(ErrorCode::Config, message, field);
}

// RFC 9110 token characters: a header name must consist of these only.
bool isToken(const QByteArray& name)
{
    static constexpr std::string_view kExtra = "!#$%&'*+-.^_`|~";
    return !name.isEmpty() && std::all_of(name.begin(), name.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
               kExtra.find(c) != std::string_view::npos;
    });
}

// Printable ASCII only: no line break to smuggle another header in, no control characters, and
// nothing whose bytes would depend on an encoding.
bool isSafeHeaderValue(const QString& value)
{
    return std::all_of(value.begin(), value.end(),
                       [](QChar c) { return c.unicode() >= 0x20 && c.unicode() < 0x7f; });
}

bool isLoopback(const QString& host)
{
    if (host.compare(u"localhost"_s, Qt::CaseInsensitive) == 0)
        return true;
    const QHostAddress address(host);
    return !address.isNull() && address.isLoopback();
}

} // namespace

Expected<void> PemsConfig::validate() const
{
    if (!baseUrl.isValid() || baseUrl.host().isEmpty())
        return configError(u"baseUrl"_s, u"needs an absolute http(s) URL with a host"_s);
    const QString scheme = baseUrl.scheme();
    if (scheme != u"https"_s && scheme != u"http"_s)
        return configError(u"baseUrl"_s, u"scheme must be https or http, not \"%1\""_s.arg(scheme));
    if (scheme == u"http"_s && !allowInsecureHttp && !isLoopback(baseUrl.host())) {
        return configError(u"baseUrl"_s,
                           u"http:// would send the API key in clear text; use https (plain "
                           "http is accepted for loopback hosts only)"_s);
    }
    if (baseUrl.hasQuery() || baseUrl.hasFragment() || !baseUrl.userInfo().isEmpty())
        return configError(u"baseUrl"_s, u"must not carry a query, a fragment or user info"_s);

    if (apiKey.isEmpty())
        return configError(u"apiKey"_s, u"is empty"_s);
    if (!isSafeHeaderValue(apiKey) || apiKey.contains(u' '))
        return configError(u"apiKey"_s, u"must be printable ASCII without spaces"_s);

    const QByteArray& authHeader = authScheme == AuthScheme::Bearer ? bearerHeader : apiKeyHeader;
    if (!isToken(authHeader)) {
        return configError(authScheme == AuthScheme::Bearer ? u"bearerHeader"_s : u"apiKeyHeader"_s,
                           u"is not a valid HTTP header name"_s);
    }
    if (!isToken(idempotencyHeader))
        return configError(u"idempotencyHeader"_s, u"is not a valid HTTP header name"_s);
    if (!tenant.isEmpty() && (!isToken(tenantHeader) || !isSafeHeaderValue(tenant)))
        return configError(u"tenant"_s, u"header name or value is not valid in HTTP"_s);
    if (!organization.isEmpty() &&
        (!isToken(organizationHeader) || !isSafeHeaderValue(organization)))
        return configError(u"organization"_s, u"header name or value is not valid in HTTP"_s);

    if (timeout <= std::chrono::milliseconds(0) || timeout > kMaxTimeout) {
        return configError(
            u"timeout"_s,
            u"must be between 1 ms and %1 s"_s.arg(
                std::chrono::duration_cast<std::chrono::seconds>(kMaxTimeout).count()));
    }
    return {};
}

} // namespace pfa::pems
