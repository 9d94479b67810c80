#include "pems/JsonDialect.h"

#include "model/IsoDateTime.h"
#include "pems/RetryAfter.h"

#include <QStringList>

#include <nlohmann/json.hpp>

#include <limits>

using namespace Qt::StringLiterals;
using nlohmann::json;

namespace pfa::pems {

namespace {

// ---- building requests ------------------------------------------------------------------------

QString percentEncoded(const QString& text)
{
    return QString::fromLatin1(QUrl::toPercentEncoding(text));
}

// <base>/api/pems<suffix>?<query>; suffix and query are already percent-encoded, so that a '/'
// or '&' inside a pfaId or cursor stays data.
QUrl endpoint(const QUrl& base, const QString& encodedSuffix, const QString& encodedQuery = {})
{
    QUrl url = base;
    QString path = base.path(QUrl::FullyEncoded);
    while (path.endsWith(u'/'))
        path.chop(1);
    url.setPath(path + u"/api/pems"_s + encodedSuffix, QUrl::StrictMode);
    url.setQuery(encodedQuery.isEmpty() ? QString() : encodedQuery, QUrl::StrictMode);
    url.setFragment(QString());
    return url;
}

void addQueryItem(QString& query, QStringView key, const QString& value)
{
    if (!query.isEmpty())
        query += u'&';
    query += key + u'=' + percentEncoded(value);
}

QNetworkRequest jsonRequest(const QUrl& url, bool hasBody)
{
    QNetworkRequest request(url);
    request.setRawHeader("Accept", "application/json");
    if (hasBody)
        request.setRawHeader("Content-Type", "application/json; charset=utf-8");
    return request;
}

QByteArray toBytes(const json& value)
{
    // replace: a string that is not valid UTF-8 must not throw out of here.
    const std::string text = value.dump(-1, ' ', false, json::error_handler_t::replace);
    return QByteArray(text.data(), static_cast<qsizetype>(text.size()));
}

std::string utf8(const QString& text)
{
    return text.toStdString();
}

Expected<void> checkKey(const QString& pfaId, const QString& organizationCode)
{
    if (pfaId.trimmed().isEmpty())
        return fail(ErrorCode::InvalidInput, u"is empty"_s, u"pfaId"_s);
    if (organizationCode.trimmed().isEmpty())
        return fail(ErrorCode::InvalidInput, u"is empty"_s, u"organizationCode"_s);
    return {};
}

Expected<void> checkVersion(qint64 version)
{
    if (version < 0)
        return fail(ErrorCode::InvalidInput, u"must not be negative"_s, u"version"_s);
    return {};
}

// ---- reading responses ------------------------------------------------------------------------

QString qs(const std::string& text)
{
    return QString::fromUtf8(text.data(), static_cast<qsizetype>(text.size()));
}

bool isSuccess(int status)
{
    return status >= 200 && status < 300;
}

// The body as a JSON object, or why it is not one.
Expected<json> objectBody(const QByteArray& body)
{
    if (body.isEmpty())
        return fail(ErrorCode::InvalidInput, u"empty body"_s);
    auto parsed = model::parseJson(body);
    if (!parsed)
        return std::unexpected(parsed.error());
    if (!parsed->is_object()) {
        return fail(ErrorCode::InvalidInput, u"expected a JSON object, got %1"_s.arg(
                                                 QString::fromLatin1(parsed->type_name())));
    }
    return std::move(*parsed);
}

const json* member(const json& object, std::string_view key)
{
    const auto it = object.find(key);
    return it == object.end() ? nullptr : &*it;
}

QString stringMember(const json& object, std::string_view key)
{
    const json* value = member(object, key);
    return value && value->is_string() ? qs(value->get_ref<const std::string&>()) : QString();
}

std::optional<qint64> integerMember(const json& object, std::string_view key)
{
    const json* value = member(object, key);
    if (!value || !value->is_number_integer())
        return std::nullopt;
    if (value->is_number_unsigned() &&
        value->get<std::uint64_t>() >
            static_cast<std::uint64_t>(std::numeric_limits<qint64>::max()))
        return std::nullopt;
    return value->get<qint64>();
}

std::optional<bool> boolMember(const json& object, std::string_view key)
{
    const json* value = member(object, key);
    if (!value || !value->is_boolean())
        return std::nullopt;
    return value->get<bool>();
}

// A short, single-line, plain-text excerpt of a body that is not our JSON (a proxy's HTML page).
QString snippet(const QByteArray& body)
{
    constexpr qsizetype kMax = 200;
    QString text = QString::fromUtf8(body.left(kMax * 4)).simplified();
    if (text.size() > kMax)
        text = text.left(kMax) + u"…"_s;
    return text;
}

// PEMS' message when the body is our JSON, else the status and a snippet.
QString messageFor(const HttpResponse& response, const json* object)
{
    if (object) {
        if (QString message = stringMember(*object, "message"); !message.isEmpty())
            return message;
        if (QString error = stringMember(*object, "error"); !error.isEmpty())
            return error;
    }
    const QString text = object ? QString() : snippet(response.body);
    return text.isEmpty() ? u"HTTP %1"_s.arg(response.status)
                          : u"HTTP %1: %2"_s.arg(response.status).arg(text);
}

Transient malformed(const HttpResponse& response, const QString& what)
{
    return Transient{TransientCause::MalformedResponse, response.status, std::nullopt,
                     u"malformed PEMS response (HTTP %1): %2"_s.arg(response.status).arg(what)};
}

Transient malformed(const HttpResponse& response, const Error& error)
{
    return malformed(response, error.toString());
}

std::vector<FieldError> fieldErrorsOf(const json& object)
{
    std::vector<FieldError> out;
    const json* fields = member(object, "fields");
    if (!fields || !fields->is_array())
        return out;
    for (const json& entry : *fields) {
        if (!entry.is_object())
            continue;
        FieldError error;
        error.field = stringMember(entry, "field");
        error.pfaField = model::fieldFromWire(error.field);
        error.rule = stringMember(entry, "rule");
        error.message = stringMember(entry, "message");
        out.push_back(std::move(error));
    }
    return out;
}

// Every status that is neither success nor (for writes) 409.
PemsFailure failureFor(const HttpResponse& response)
{
    const auto body = objectBody(response.body);
    const json* object = body ? &*body : nullptr;
    const int status = response.status;
    const QString message = messageFor(response, object);

    if (status == 429) {
        const auto retryAfter = retryAfterOf(response);
        return RateLimited{retryAfter.value_or(kDefaultRetryAfter), retryAfter.has_value(),
                           message};
    }
    if (status == 401 || status == 403)
        return Unauthorized{status, message};
    if (status == 408)
        return Transient{TransientCause::ServerError, status, std::nullopt, message};
    if (status >= 300 && status < 400) {
        const QString location =
            QString::fromLatin1(response.header("Location").value_or(QByteArray()));
        return Permanent{
            status,
            QString(),
            u"PEMS answered with a redirect (HTTP %1%2); check the PEMS base URL"_s.arg(status).arg(
                location.isEmpty() ? QString() : u" to "_s + location),
            {}};
    }
    if (status >= 400 && status < 500) {
        return Permanent{status, object ? stringMember(*object, "error") : QString(), message,
                         object ? fieldErrorsOf(*object) : std::vector<FieldError>{}};
    }
    if (status >= 500 && status < 600)
        return Transient{TransientCause::ServerError, status, retryAfterOf(response), message};
    return malformed(response, u"unexpected HTTP status"_s);
}

bool isReplayed(const HttpResponse& response)
{
    const auto value = response.header("Idempotent-Replayed");
    if (!value)
        return false;
    const QByteArray text = value->trimmed().toLower();
    return text == "true" || text == "1";
}

Expected<QDateTime> timestampMember(const json& object, std::string_view key)
{
    const json* value = member(object, key);
    if (!value || !value->is_string()) {
        return fail(ErrorCode::InvalidInput, u"missing or not a string"_s,
                    QString::fromLatin1(key.data(), static_cast<qsizetype>(key.size())));
    }
    auto at = model::parseIsoDateTime(qs(value->get_ref<const std::string&>()));
    if (!at) {
        Error error = at.error();
        error.field = QString::fromLatin1(key.data(), static_cast<qsizetype>(key.size()));
        return std::unexpected(error);
    }
    return *at;
}

WriteOutcome parseWrite(const QString& pfaId, qint64 version, bool isDelete,
                        const HttpResponse& response)
{
    if (isSuccess(response.status)) {
        const auto body = objectBody(response.body);
        if (!body)
            return failed(malformed(response, body.error()));
        if (boolMember(*body, "success") == false)
            return failed(malformed(response, u"\"success\" is false in a 2xx response"_s));
        const auto newVersion = integerMember(*body, "newVersion");
        if (!newVersion)
            return failed(malformed(response, u"newVersion: missing or not an integer"_s));
        const auto updatedAt = timestampMember(*body, "updatedAt");
        if (!updatedAt)
            return failed(malformed(response, updatedAt.error()));
        const QString echoed = stringMember(*body, "pfaId");
        if (!echoed.isEmpty() && echoed != pfaId) {
            return failed(malformed(
                response, u"the response is about %1, the request about %2"_s.arg(echoed, pfaId)));
        }
        return WriteSuccess{pfaId,
                            *newVersion,
                            *updatedAt,
                            isReplayed(response),
                            boolMember(*body, "deleted").value_or(isDelete),
                            stringMember(*body, "message")};
    }

    if (response.status == 409) {
        const auto body = objectBody(response.body);
        if (!body)
            return failed(malformed(response, body.error()));
        const auto currentVersion = integerMember(*body, "currentVersion");
        if (!currentVersion)
            return failed(malformed(response, u"currentVersion: missing or not an integer"_s));
        VersionConflict conflict;
        conflict.currentVersion = *currentVersion;
        conflict.expectedVersion = integerMember(*body, "expectedVersion").value_or(version);
        conflict.message = messageFor(response, &*body);
        if (const json* fields = member(*body, "conflictingFields")) {
            if (!fields->is_array() && !fields->is_null())
                return failed(malformed(response, u"conflictingFields: not an array"_s));
            for (const json& name : fields->is_array() ? *fields : json::array()) {
                if (!name.is_string())
                    return failed(malformed(response, u"conflictingFields: not all strings"_s));
                const QString wire = qs(name.get_ref<const std::string&>());
                if (const auto field = model::fieldFromWire(wire))
                    conflict.conflictingFields.push_back(*field);
                else
                    conflict.unknownConflictingFields.push_back(wire);
            }
        }
        return failed(std::move(conflict));
    }

    return failed(failureFor(response));
}

Expected<PemsRecord> recordFromJson(const json& object)
{
    if (!object.is_object())
        return fail(ErrorCode::InvalidInput, u"a record is not a JSON object"_s);
    PemsRecord record;
    record.pfaId = stringMember(object, "pfaId");
    if (record.pfaId.isEmpty())
        return fail(ErrorCode::InvalidInput, u"missing or not a string"_s, u"pfaId"_s);
    record.organizationCode = stringMember(object, "organizationCode");
    if (record.organizationCode.isEmpty())
        return fail(ErrorCode::InvalidInput, u"missing or not a string"_s, u"organizationCode"_s);
    const auto version = integerMember(object, "version");
    if (!version)
        return fail(ErrorCode::InvalidInput, u"missing or not an integer"_s, u"version"_s);
    record.version = *version;
    auto updatedAt = timestampMember(object, "updatedAt");
    if (!updatedAt)
        return std::unexpected(updatedAt.error());
    record.updatedAt = *updatedAt;
    if (const json* deleted = member(object, "deleted"); deleted && !deleted->is_null()) {
        if (!deleted->is_boolean())
            return fail(ErrorCode::InvalidInput, u"not a boolean"_s, u"deleted"_s);
        record.deleted = deleted->get<bool>();
    }

    const json* data = member(object, "data");
    if (!data || data->is_null())
        return record; // a tombstone may carry no data
    if (!data->is_object())
        return fail(ErrorCode::InvalidInput, u"not a JSON object"_s, u"data"_s);
    json known = json::object();
    for (const auto& [key, value] : data->items()) {
        const QString name = qs(key);
        if (model::fieldFromWire(name))
            known[key] = value;
        else
            record.unknownFields.push_back(name);
    }
    auto fields = model::fieldMapFromJson(known);
    if (!fields) {
        Error error = fields.error();
        error.field = u"data."_s + error.field;
        return std::unexpected(error);
    }
    record.data = std::move(*fields);
    return record;
}

} // namespace

QString JsonDialect::name() const
{
    return u"json"_s;
}

Expected<PreparedRequest> JsonDialect::prepareUpdate(const QUrl& baseUrl,
                                                     const UpdateRequest& request) const
{
    if (auto ok = checkKey(request.pfaId, request.organizationCode); !ok)
        return std::unexpected(ok.error());
    if (auto ok = checkVersion(request.version); !ok)
        return std::unexpected(ok.error());
    const json body = {
        {"pfaId", utf8(request.pfaId)},
        {"organizationCode", utf8(request.organizationCode)},
        {"changes", model::fieldMapToJson(request.changes)},
        {"version", request.version},
        {"modifiedBy", utf8(request.modifiedBy)},
        {"changeReason", utf8(request.changeReason)},
    };
    const QUrl url = endpoint(baseUrl, u"/pfa/"_s + percentEncoded(request.pfaId));
    return PreparedRequest{"PUT", jsonRequest(url, true), toBytes(body)};
}

Expected<PreparedRequest> JsonDialect::prepareRemove(const QUrl& baseUrl,
                                                     const RemoveRequest& request) const
{
    if (auto ok = checkKey(request.pfaId, request.organizationCode); !ok)
        return std::unexpected(ok.error());
    if (auto ok = checkVersion(request.version); !ok)
        return std::unexpected(ok.error());
    QString query;
    addQueryItem(query, u"organizationCode", request.organizationCode);
    addQueryItem(query, u"version", QString::number(request.version));
    const QUrl url = endpoint(baseUrl, u"/pfa/"_s + percentEncoded(request.pfaId), query);
    return PreparedRequest{"DELETE", jsonRequest(url, false), {}};
}

Expected<PreparedRequest> JsonDialect::prepareGet(const QUrl& baseUrl, const RecordKey& key) const
{
    if (auto ok = checkKey(key.pfaId, key.organizationCode); !ok)
        return std::unexpected(ok.error());
    QString query;
    addQueryItem(query, u"organizationCode", key.organizationCode);
    const QUrl url = endpoint(baseUrl, u"/pfa/"_s + percentEncoded(key.pfaId), query);
    return PreparedRequest{"GET", jsonRequest(url, false), {}};
}

Expected<PreparedRequest> JsonDialect::prepareList(const QUrl& baseUrl,
                                                   const ListQuery& listQuery) const
{
    if (listQuery.organizationCode.trimmed().isEmpty())
        return fail(ErrorCode::InvalidInput, u"is empty"_s, u"organizationCode"_s);
    if (listQuery.limit < 0)
        return fail(ErrorCode::InvalidInput, u"must not be negative"_s, u"limit"_s);
    if (listQuery.updatedSince && !listQuery.updatedSince->isValid())
        return fail(ErrorCode::InvalidInput, u"is not a valid time"_s, u"updatedSince"_s);
    QString query;
    addQueryItem(query, u"organizationCode", listQuery.organizationCode);
    if (listQuery.updatedSince)
        addQueryItem(query, u"updatedSince", model::toIsoUtc(*listQuery.updatedSince));
    if (listQuery.limit > 0)
        addQueryItem(query, u"limit", QString::number(listQuery.limit));
    if (!listQuery.cursor.isEmpty())
        addQueryItem(query, u"cursor", listQuery.cursor);
    return PreparedRequest{"GET", jsonRequest(endpoint(baseUrl, u"/pfa"_s, query), false), {}};
}

Expected<PreparedRequest> JsonDialect::prepareHealth(const QUrl& baseUrl) const
{
    return PreparedRequest{"GET", jsonRequest(endpoint(baseUrl, u"/health"_s), false), {}};
}

WriteOutcome JsonDialect::parseUpdate(const UpdateRequest& request,
                                      const HttpResponse& response) const
{
    return parseWrite(request.pfaId, request.version, false, response);
}

WriteOutcome JsonDialect::parseRemove(const RemoveRequest& request,
                                      const HttpResponse& response) const
{
    return parseWrite(request.pfaId, request.version, true, response);
}

RecordOutcome JsonDialect::parseGet(const RecordKey& key, const HttpResponse& response) const
{
    if (!isSuccess(response.status))
        return failed(failureFor(response));
    const auto body = objectBody(response.body);
    if (!body)
        return failed(malformed(response, body.error()));
    auto record = recordFromJson(*body);
    if (!record)
        return failed(malformed(response, record.error()));
    if (record->pfaId != key.pfaId) {
        return failed(malformed(response, u"the response is about %1, the request about %2"_s.arg(
                                              record->pfaId, key.pfaId)));
    }
    return std::move(*record);
}

PageOutcome JsonDialect::parseList(const ListQuery& /*query*/, const HttpResponse& response) const
{
    if (!isSuccess(response.status))
        return failed(failureFor(response));
    const auto body = objectBody(response.body);
    if (!body)
        return failed(malformed(response, body.error()));
    const json* records = member(*body, "records");
    if (!records || !records->is_array())
        return failed(malformed(response, u"records: missing or not an array"_s));

    PemsPage page;
    page.records.reserve(records->size());
    for (std::size_t i = 0; i < records->size(); ++i) {
        auto record = recordFromJson((*records)[i]);
        if (!record) {
            const QString pfaId = stringMember((*records)[i], "pfaId");
            return failed(malformed(
                response,
                u"records[%1]%2: %3"_s.arg(QString::number(i),
                                           pfaId.isEmpty() ? QString() : u" ("_s + pfaId + u')',
                                           record.error().toString())));
        }
        page.records.push_back(std::move(*record));
    }

    if (const json* cursor = member(*body, "nextCursor"); cursor && !cursor->is_null()) {
        if (!cursor->is_string())
            return failed(malformed(response, u"nextCursor: not a string or null"_s));
        if (QString next = qs(cursor->get_ref<const std::string&>()); !next.isEmpty())
            page.nextCursor = std::move(next);
    }
    return page;
}

HealthOutcome JsonDialect::parseHealth(const HttpResponse& response) const
{
    if (!isSuccess(response.status))
        return failed(failureFor(response));
    const auto body = objectBody(response.body);
    if (!body)
        return failed(malformed(response, body.error()));
    const QString status = stringMember(*body, "status");
    if (status.isEmpty())
        return failed(malformed(response, u"status: missing or not a string"_s));
    PemsHealth health;
    health.healthy = status == u"ok"_s;
    health.status = status;
    health.httpStatus = response.status;
    return health;
}

} // namespace pfa::pems
