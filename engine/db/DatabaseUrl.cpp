#include "db/DatabaseUrl.h"

#include <QRegularExpression>
#include <QSqlDatabase>
#include <QStringDecoder>
#include <QStringList>

#include <algorithm>
#include <optional>

using namespace Qt::StringLiterals;

namespace pfa::db {

namespace {

QString field()
{
    return u"DATABASE_URL"_s;
}

std::unexpected<Error> invalid(const QString& message)
{
    return fail(ErrorCode::InvalidInput, message, field());
}

bool isHexDigit(char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

bool isAsciiDigits(QStringView text)
{
    return !text.isEmpty() &&
           std::all_of(text.begin(), text.end(), [](QChar c) { return c >= u'0' && c <= u'9'; });
}

// %XX escapes decode to UTF-8 bytes. Malformed escapes and %00 are errors, as in libpq; '+' stays
// a '+' (URLs of libpq are not form data).
std::optional<QString> percentDecode(QStringView text)
{
    if (!text.contains(u'%'))
        return text.toString();
    const QByteArray utf8 = text.toUtf8();
    for (qsizetype i = 0; i < utf8.size(); ++i) {
        if (utf8[i] != '%')
            continue;
        if (i + 2 >= utf8.size() || !isHexDigit(utf8[i + 1]) || !isHexDigit(utf8[i + 2]))
            return std::nullopt;
        if (utf8[i + 1] == '0' && utf8[i + 2] == '0')
            return std::nullopt;
        i += 2;
    }
    QStringDecoder toUtf16(QStringDecoder::Utf8);
    QString decoded = toUtf16(QByteArray::fromPercentEncoding(utf8));
    if (toUtf16.hasError())
        return std::nullopt;
    return decoded;
}

// The undecoded parts of a URL. The parser and the masker share this so that they agree on where
// the password is.
struct UrlParts
{
    QStringView scheme;
    QStringView userInfo; // user[:password]
    bool hasUserInfo = false;
    QStringView hostPort;
    QStringView path; // after the '/', i.e. the database name
    bool hasPath = false;
    QStringView query; // after the '?'
    bool hasQuery = false;
};

std::optional<UrlParts> splitUrl(QStringView url)
{
    const qsizetype schemeEnd = url.indexOf(u"://");
    if (schemeEnd < 0)
        return std::nullopt;
    UrlParts parts;
    parts.scheme = url.left(schemeEnd);
    QStringView rest = url.mid(schemeEnd + 3);

    // libpq's rule (user info ends at an '@' before the first '/'), but with the last such '@', so
    // that an unescaped '@' in a password still parses.
    const qsizetype slash = rest.indexOf(u'/');
    const qsizetype at = (slash < 0 ? rest : rest.left(slash)).lastIndexOf(u'@');
    if (at >= 0) {
        parts.userInfo = rest.left(at);
        parts.hasUserInfo = true;
        rest = rest.mid(at + 1);
    }

    qsizetype hostEnd = 0;
    while (hostEnd < rest.size() && rest[hostEnd] != u'/' && rest[hostEnd] != u'?')
        ++hostEnd;
    parts.hostPort = rest.left(hostEnd);
    rest = rest.mid(hostEnd);

    const qsizetype question = rest.indexOf(u'?');
    if (rest.startsWith(u'/')) {
        parts.hasPath = true;
        parts.path = question < 0 ? rest.mid(1) : rest.mid(1, question - 1);
    }
    if (question >= 0) {
        parts.hasQuery = true;
        parts.query = rest.mid(question + 1);
    }
    return parts;
}

bool isPasswordKey(QStringView rawKey)
{
    const auto key = percentDecode(rawKey);
    return key && key->compare(u"password", Qt::CaseInsensitive) == 0;
}

// Error messages quote the offending value, but in a malformed URL pieces of the password can end
// up anywhere (an unescaped '/' in it moves the split). So a value is quoted only when it cannot be
// part of the password: it shares nothing with the stretch between "://" and the last '@', nor
// with any password= parameter.
class Mentions
{
public:
    explicit Mentions(QStringView url)
    {
        const qsizetype schemeEnd = url.indexOf(u"://");
        const qsizetype start = schemeEnd < 0 ? 0 : schemeEnd + 3;
        const qsizetype at = url.lastIndexOf(u'@');
        if (at > start)
            addSecret(url.mid(start, at - start));
        static const QRegularExpression passwordParam(u"password=([^&]*)"_s,
                                                      QRegularExpression::CaseInsensitiveOption);
        for (const auto& match : passwordParam.globalMatch(url))
            addSecret(match.capturedView(1));
    }

    // " 'value'" when the value may be shown, else nothing.
    [[nodiscard]] QString quoted(QStringView value) const
    {
        for (const QString& secret : m_secrets) {
            if (secret.contains(value) || value.contains(secret))
                return {};
        }
        return u" '"_s + value + u"'"_s;
    }

private:
    void addSecret(QStringView raw)
    {
        if (raw.isEmpty())
            return;
        m_secrets.append(raw.toString());
        if (const auto decoded = percentDecode(raw); decoded && !decoded->isEmpty())
            m_secrets.append(*decoded);
    }

    QStringList m_secrets;
};

Expected<int> parsePort(QStringView text, const Mentions& mentions)
{
    const int port = isAsciiDigits(text) && text.size() <= 5 ? text.toInt() : 0;
    if (port < 1 || port > 65535)
        return invalid(u"bad port"_s + mentions.quoted(text) + u" (expected 1 to 65535)"_s);
    return port;
}

QStringList sslModes()
{
    return {u"disable"_s, u"allow"_s, u"prefer"_s, u"require"_s, u"verify-ca"_s, u"verify-full"_s};
}

Expected<void> applyParameter(ConnectionParams& params, const QString& key, const QString& value,
                              const Mentions& mentions)
{
    if (key == u"host") {
        params.host = value;
    } else if (key == u"port") {
        const auto port = parsePort(value, mentions);
        if (!port)
            return std::unexpected(port.error());
        params.port = *port;
    } else if (key == u"user") {
        params.user = value;
    } else if (key == u"password") {
        params.password = value;
    } else if (key == u"dbname") {
        params.dbname = value;
    } else if (key == u"sslmode") {
        if (!sslModes().contains(value)) {
            return invalid(u"bad sslmode"_s + mentions.quoted(value) + u" (expected "_s +
                           sslModes().join(u", "_s) + u")"_s);
        }
        params.sslmode = value;
    } else if (key == u"connect_timeout") {
        if (!isAsciiDigits(value) || value.size() > 9) {
            return invalid(u"bad connect_timeout"_s + mentions.quoted(value) +
                           u" (expected whole seconds, 0 or more)"_s);
        }
        params.options.insert(key, value);
    } else if (key == u"application_name") {
        params.options.insert(key, value);
    } else {
        return invalid(u"unknown parameter"_s + mentions.quoted(key));
    }
    return {};
}

Expected<void> parseHostPort(ConnectionParams& params, QStringView hostPort,
                             const Mentions& mentions)
{
    QStringView host = hostPort;
    QStringView port;
    bool hasPort = false;
    if (hostPort.startsWith(u'[')) {
        const qsizetype close = hostPort.indexOf(u']');
        if (close < 0)
            return invalid(u"unterminated IPv6 address (missing ']')"_s);
        host = hostPort.mid(1, close - 1);
        const QStringView after = hostPort.mid(close + 1);
        if (!after.isEmpty() && !after.startsWith(u':'))
            return invalid(u"unexpected text after the IPv6 address"_s);
        hasPort = !after.isEmpty();
        port = after.mid(1);
    } else {
        if (hostPort.contains(u','))
            return invalid(u"several hosts are not supported"_s);
        const qsizetype colon = hostPort.indexOf(u':');
        if (colon >= 0) {
            host = hostPort.left(colon);
            port = hostPort.mid(colon + 1);
            hasPort = true;
        }
    }
    const auto decodedHost = percentDecode(host);
    if (!decodedHost)
        return invalid(u"bad percent-encoding in the host"_s);
    params.host = *decodedHost;
    // "host:" with nothing after the colon means the default port, as in libpq.
    if (hasPort && !port.isEmpty()) {
        const auto parsed = parsePort(port, mentions);
        if (!parsed)
            return std::unexpected(parsed.error());
        params.port = *parsed;
    }
    return {};
}

QString quoteOptionValue(const QString& value)
{
    const bool plain = !value.isEmpty() && std::none_of(value.begin(), value.end(), [](QChar c) {
        return c.isSpace() || c == u'\'' || c == u'\\';
    });
    if (plain)
        return value;
    QString escaped = value;
    escaped.replace(u'\\', u"\\\\"_s).replace(u'\'', u"\\'"_s);
    return u'\'' + escaped + u'\'';
}

// Masks everything from the first ':' after "://" up to the last '@': used when the URL is too
// malformed to know where the password ends, so it hides too much rather than too little.
QString maskGenerously(QStringView url)
{
    const qsizetype schemeEnd = url.indexOf(u"://");
    const qsizetype at = url.lastIndexOf(u'@');
    if (schemeEnd < 0 || at < schemeEnd)
        return url.toString();
    const qsizetype colon = url.indexOf(u':', schemeEnd + 3);
    if (colon < 0 || colon > at)
        return url.toString();
    return url.left(colon + 1) + u"***"_s + url.mid(at);
}

QString maskQuery(QStringView query)
{
    QStringList items;
    for (const QStringView item : query.split(u'&')) {
        const qsizetype equals = item.indexOf(u'=');
        if (equals >= 0 && isPasswordKey(item.left(equals)))
            items.append(item.left(equals + 1) + u"***"_s);
        else
            items.append(item.toString());
    }
    return items.join(u'&');
}

} // namespace

Expected<ConnectionParams> parseDatabaseUrl(QStringView url)
{
    url = url.trimmed();
    const Mentions mentions(url);
    const auto parts = splitUrl(url);
    if (!parts) {
        return invalid(u"not a PostgreSQL URL (expected postgresql://[user[:password]@][host]"
                       u"[:port][/dbname][?param=value&...])"_s);
    }
    if (parts->scheme.compare(u"postgresql", Qt::CaseInsensitive) != 0 &&
        parts->scheme.compare(u"postgres", Qt::CaseInsensitive) != 0) {
        return invalid(u"unknown scheme"_s + mentions.quoted(parts->scheme) +
                       u" (expected postgresql:// or postgres://)"_s);
    }

    ConnectionParams params;
    if (parts->hasUserInfo) {
        const qsizetype colon = parts->userInfo.indexOf(u':');
        const auto user = percentDecode(colon < 0 ? parts->userInfo : parts->userInfo.left(colon));
        if (!user)
            return invalid(u"bad percent-encoding in the user name"_s);
        params.user = *user;
        if (colon >= 0) {
            const auto password = percentDecode(parts->userInfo.mid(colon + 1));
            if (!password)
                return invalid(u"bad percent-encoding in the password"_s);
            params.password = *password;
        }
    }
    if (auto host = parseHostPort(params, parts->hostPort, mentions); !host)
        return std::unexpected(host.error());
    if (parts->hasPath) {
        const auto dbname = percentDecode(parts->path);
        if (!dbname)
            return invalid(u"bad percent-encoding in the database name"_s);
        params.dbname = *dbname;
    }
    if (parts->hasQuery) {
        for (const QStringView item : parts->query.split(u'&', Qt::SkipEmptyParts)) {
            const qsizetype equals = item.indexOf(u'=');
            const auto key = percentDecode(equals < 0 ? item : item.left(equals));
            if (!key)
                return invalid(u"bad percent-encoding in a parameter name"_s);
            if (equals < 0)
                return invalid(u"parameter"_s + mentions.quoted(*key) + u" has no value"_s);
            const auto value = percentDecode(item.mid(equals + 1));
            if (!value) {
                return invalid(u"bad percent-encoding in the value of parameter"_s +
                               mentions.quoted(*key));
            }
            if (auto applied = applyParameter(params, *key, *value, mentions); !applied)
                return std::unexpected(applied.error());
        }
    }
    return params;
}

QString maskedDatabaseUrl(QStringView url)
{
    const auto parts = splitUrl(url);
    if (!parts) {
        // Not a URL; perhaps a keyword=value connection string.
        static const QRegularExpression keywordPassword(
            uR"(password\s*=\s*('(?:[^'\\]|\\.)*'|\S*))"_s,
            QRegularExpression::CaseInsensitiveOption);
        QString masked = url.toString();
        return masked.replace(keywordPassword, u"password=***"_s);
    }
    // An '@' after the user info (outside the query) hints at an unescaped '/' in the password.
    const bool suspicious = parts->hostPort.contains(u'@') || parts->path.contains(u'@');
    if (!parseDatabaseUrl(url) || suspicious) {
        QString masked = maskGenerously(url);
        const qsizetype question = masked.indexOf(u'?');
        return question < 0
                   ? masked
                   : masked.left(question + 1) + maskQuery(QStringView(masked).mid(question + 1));
    }

    QString masked = parts->scheme + u"://"_s;
    if (parts->hasUserInfo) {
        const qsizetype colon = parts->userInfo.indexOf(u':');
        masked += colon < 0 ? parts->userInfo.toString() : parts->userInfo.left(colon) + u":***"_s;
        masked += u'@';
    }
    masked += parts->hostPort;
    if (parts->hasPath)
        masked += u'/' + parts->path;
    if (parts->hasQuery)
        masked += u'?' + maskQuery(parts->query);
    return masked;
}

void applyTo(const ConnectionParams& params, QSqlDatabase& db)
{
    db.setHostName(params.host);
    db.setPort(params.port);
    db.setUserName(params.user);
    db.setPassword(params.password);
    db.setDatabaseName(params.dbname);

    QStringList options;
    if (!params.sslmode.isEmpty())
        options.append(u"sslmode="_s + quoteOptionValue(params.sslmode));
    for (auto it = params.options.cbegin(); it != params.options.cend(); ++it)
        options.append(it.key() + u'=' + quoteOptionValue(it.value()));
    db.setConnectOptions(options.join(u';'));
}

} // namespace pfa::db
