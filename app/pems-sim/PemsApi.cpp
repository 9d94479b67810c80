#include "PemsApi.h"

#include "PemsReplies.h"
#include "SimClock.h"
#include "SimLog.h"
#include "SimState.h"

#include "model/FieldValue.h"
#include "model/IsoDateTime.h"

#include <QUrl>
#include <QUrlQuery>

using namespace Qt::StringLiterals;

namespace pfa::sim {

namespace {

constexpr QStringView HealthPath = u"/api/pems/health";
constexpr QStringView ListPath = u"/api/pems/pfa";
constexpr QStringView RecordPrefix = u"/api/pems/pfa/";
constexpr int DefaultLimit = 100;
constexpr int MaxLimit = 1000;

QString qs(const std::string& text)
{
    return QString::fromUtf8(text.data(), static_cast<qsizetype>(text.size()));
}

// The {pfaId} of /api/pems/pfa/{pfaId}; empty when the path is something else.
QStringView recordId(QStringView path)
{
    if (!path.startsWith(RecordPrefix))
        return {};
    const QStringView id = path.mid(RecordPrefix.size());
    return id.contains(u'/') ? QStringView() : id;
}

QByteArray apiKeyOf(const QHttpServerRequest& request)
{
    QByteArray key = request.value(QByteArrayLiteral("x-api-key")).trimmed();
    if (!key.isEmpty())
        return key;
    const QByteArray authorization = request.value(QByteArrayLiteral("authorization")).trimmed();
    constexpr QByteArrayView Bearer("bearer ");
    if (authorization.size() > Bearer.size() &&
        authorization.first(Bearer.size()).compare(Bearer, Qt::CaseInsensitive) == 0)
        return authorization.mid(Bearer.size()).trimmed();
    return {};
}

SimResponse forbidden(const QString& organizationCode)
{
    return PemsReplies::error(
        403, "FORBIDDEN", u"this API key may not access organization %1"_s.arg(organizationCode));
}

// The organizationCode query parameter every record route needs.
std::optional<QString> organizationParameter(const QUrlQuery& query)
{
    const QString code = query.queryItemValue(u"organizationCode"_s, QUrl::FullyDecoded);
    if (code.isEmpty())
        return std::nullopt;
    return code;
}

SimResponse missingOrganization()
{
    return PemsReplies::validation(u"organizationCode"_s, u"required"_s,
                                   u"the organizationCode query parameter is required"_s);
}

std::optional<qint64> positiveInteger(const QString& text)
{
    bool ok = false;
    const qint64 value = text.toLongLong(&ok);
    if (!ok || value < 1)
        return std::nullopt;
    return value;
}

// A text member of the PUT body that may be missing or null.
std::optional<QString> optionalText(const nlohmann::json& body, const char* key,
                                    std::vector<FieldProblem>& problems)
{
    const auto it = body.find(key);
    if (it == body.end() || it->is_null())
        return QString();
    if (!it->is_string()) {
        problems.push_back({QString::fromLatin1(key), u"type"_s,
                            u"%1 must be a string"_s.arg(QString::fromLatin1(key))});
        return std::nullopt;
    }
    return qs(it->get_ref<const std::string&>());
}

} // namespace

PemsApi::PemsApi(SimState& state)
    : m_state(state)
{}

RouteKind PemsApi::classify(QHttpServerRequest::Method method, QStringView path)
{
    using Method = QHttpServerRequest::Method;
    if (path == HealthPath)
        return method == Method::Get ? RouteKind::Health : RouteKind::Other;
    if (path == ListPath)
        return method == Method::Get ? RouteKind::List : RouteKind::Other;
    if (recordId(path).isEmpty())
        return RouteKind::Other;
    switch (method) {
    case Method::Put:
        return RouteKind::Put;
    case Method::Delete:
        return RouteKind::Delete;
    case Method::Get:
        return RouteKind::Get;
    default:
        return RouteKind::Other;
    }
}

SimResponse PemsApi::handle(RouteKind kind, const QHttpServerRequest& request, QStringView path,
                            const QByteArray& idempotencyKey)
{
    if (kind == RouteKind::Health)
        return health();

    const ApiKeyRing::Grant* grant = m_state.keys.find(apiKeyOf(request));
    if (!grant) {
        const bool missing = apiKeyOf(request).isEmpty();
        return PemsReplies::error(
            401, "UNAUTHORIZED",
            missing ? u"an API key is required (X-Api-Key or Authorization: Bearer)"_s
                    : u"the API key is not valid"_s);
    }

    const QString pfaId = recordId(path).toString();
    switch (kind) {
    case RouteKind::Put:
        return put(request, pfaId, *grant, idempotencyKey);
    case RouteKind::Delete:
        return remove(request, pfaId, *grant, idempotencyKey);
    case RouteKind::Get:
        return getOne(request, pfaId, *grant);
    case RouteKind::List:
        return list(request, *grant);
    case RouteKind::Health:
    case RouteKind::Other:
        break;
    }
    const bool knownPath = path == HealthPath || path == ListPath || !recordId(path).isEmpty();
    if (knownPath)
        return PemsReplies::error(405, "METHOD_NOT_ALLOWED",
                                  u"this method is not supported on %1"_s.arg(path));
    return PemsReplies::error(404, "NOT_FOUND", u"no such endpoint: %1"_s.arg(path));
}

SimResponse PemsApi::health()
{
    const QMutexLocker lock(&m_state.mutex); // the clock
    return PemsReplies::json(200, {{"status", "ok"},
                                   {"service", "pems-sim"},
                                   {"version", PFA_VERSION},
                                   {"time", SimClock::formatIso(m_state.clock.nowMs())}});
}

SimResponse PemsApi::getOne(const QHttpServerRequest& request, const QString& pfaId,
                            const ApiKeyRing::Grant& grant)
{
    const auto organization = organizationParameter(request.query());
    if (!organization)
        return missingOrganization();
    if (!grant.allows(*organization))
        return forbidden(*organization);
    const QMutexLocker lock(&m_state.mutex);
    const SimRecord* record = m_state.store.find(*organization, pfaId);
    if (!record || record->deleted)
        return PemsReplies::notFound(*organization, pfaId);
    return PemsReplies::json(200, PemsReplies::record(*record));
}

SimResponse PemsApi::list(const QHttpServerRequest& request, const ApiKeyRing::Grant& grant)
{
    const QUrlQuery query = request.query();
    const auto organization = organizationParameter(query);
    if (!organization)
        return missingOrganization();
    if (!grant.allows(*organization))
        return forbidden(*organization);

    std::vector<FieldProblem> problems;
    std::optional<qint64> sinceMs;
    if (query.hasQueryItem(u"updatedSince"_s)) {
        const QString text = query.queryItemValue(u"updatedSince"_s, QUrl::FullyDecoded);
        if (auto since = model::parseIsoDateTime(text))
            sinceMs = since->toMSecsSinceEpoch();
        else
            problems.push_back({u"updatedSince"_s, u"format"_s, since.error().message});
    }
    int limit = DefaultLimit;
    if (query.hasQueryItem(u"limit"_s)) {
        const auto value = positiveInteger(query.queryItemValue(u"limit"_s));
        if (!value || *value > MaxLimit)
            problems.push_back({u"limit"_s, u"range"_s,
                                u"limit must be a whole number from 1 to %1"_s.arg(MaxLimit)});
        else
            limit = static_cast<int>(*value);
    }
    std::optional<ListCursor> cursor;
    if (const QString text = query.queryItemValue(u"cursor"_s, QUrl::FullyDecoded);
        !text.isEmpty()) {
        cursor = ListCursor::decode(text);
        if (!cursor)
            problems.push_back(
                {u"cursor"_s, u"format"_s, u"cursor is not one this server handed out"_s});
    }
    if (!problems.empty())
        return PemsReplies::validation(problems);

    const QMutexLocker lock(&m_state.mutex);
    const ListPage page = m_state.store.list(*organization, sinceMs, cursor, limit);
    return PemsReplies::json(200, PemsReplies::page(page));
}

namespace {

// A PUT body read into values, before anything of the store is looked at (and so outside the
// lock). `rejection` is a 400 for a body that cannot be read at all; `problems` are the members
// that are wrong.
struct PutRequest
{
    std::optional<SimResponse> rejection;
    QString organizationCode;
    qint64 version = 0;
    model::FieldMap changes;
    ChangeMeta meta{.source = ChangeSource::Api};
    std::vector<FieldProblem> problems;
};

PutRequest readPut(const QByteArray& bytes, const QString& pfaId)
{
    PutRequest put;
    const auto parsed = model::parseJson(bytes);
    if (!parsed) {
        put.rejection = PemsReplies::validation(u"body"_s, u"json"_s, parsed.error().message);
        return put;
    }
    const nlohmann::json& body = *parsed;
    if (!body.is_object()) {
        put.rejection =
            PemsReplies::validation(u"body"_s, u"json"_s, u"the body must be a JSON object"_s);
        return put;
    }
    const auto organizationIt = body.find("organizationCode");
    if (organizationIt == body.end() || !organizationIt->is_string() ||
        organizationIt->get_ref<const std::string&>().empty()) {
        put.rejection = PemsReplies::validation(u"organizationCode"_s, u"required"_s,
                                                u"organizationCode is required"_s);
        return put;
    }
    put.organizationCode = qs(organizationIt->get_ref<const std::string&>());

    std::vector<FieldProblem>& problems = put.problems;
    if (const auto it = body.find("pfaId"); it != body.end() && !it->is_null()) {
        if (!it->is_string() || qs(it->get_ref<const std::string&>()) != pfaId)
            problems.push_back({u"pfaId"_s, u"mismatch"_s,
                                u"pfaId in the body is not the one in the path (%1)"_s.arg(pfaId)});
    }
    if (const auto it = body.find("version"); it == body.end() || it->is_null()) {
        problems.push_back({u"version"_s, u"required"_s, u"version is required"_s});
    } else if (!it->is_number_integer() || it->get<qint64>() < 1) {
        problems.push_back(
            {u"version"_s, u"type"_s, u"version must be a whole number of at least 1"_s});
    } else {
        put.version = it->get<qint64>();
    }
    if (const auto it = body.find("changes"); it == body.end() || !it->is_object()) {
        problems.push_back({u"changes"_s, u"required"_s,
                            u"changes must be an object of fields and their new values"_s});
    } else if (auto fields = model::fieldMapFromJson(*it); !fields) {
        const Error& error = fields.error();
        const bool known = model::fieldFromWire(error.field).has_value();
        problems.push_back({error.field.isEmpty() ? u"changes"_s : error.field,
                            known ? u"type"_s : u"unknownField"_s,
                            known ? error.toString() : error.message});
    } else if (fields->empty()) {
        problems.push_back({u"changes"_s, u"required"_s, u"changes names no field"_s});
    } else {
        put.changes = std::move(*fields);
    }
    if (auto text = optionalText(body, "modifiedBy", problems))
        put.meta.modifiedBy = std::move(*text);
    if (auto text = optionalText(body, "changeReason", problems))
        put.meta.changeReason = std::move(*text);
    return put;
}

} // namespace

SimResponse PemsApi::put(const QHttpServerRequest& request, const QString& pfaId,
                         const ApiKeyRing::Grant& grant, const QByteArray& key)
{
    PutRequest put = readPut(request.body(), pfaId);

    const QMutexLocker lock(&m_state.mutex);
    // A key used before gets its first answer, whatever this request carries.
    if (auto stored = replay(key, grant))
        return std::move(*stored);
    if (put.rejection)
        return remember(key, {}, std::move(*put.rejection));
    if (!grant.allows(put.organizationCode))
        return forbidden(put.organizationCode);
    if (!put.problems.empty())
        return remember(key, put.organizationCode, PemsReplies::validation(put.problems));
    return finishWrite(
        key, put.organizationCode,
        m_state.store.update(put.organizationCode, pfaId, put.version, put.changes, put.meta));
}

SimResponse PemsApi::remove(const QHttpServerRequest& request, const QString& pfaId,
                            const ApiKeyRing::Grant& grant, const QByteArray& key)
{
    const QUrlQuery query = request.query();
    const auto organization = organizationParameter(query);
    const auto version = positiveInteger(query.queryItemValue(u"version"_s));
    ChangeMeta meta{.source = ChangeSource::Api};
    meta.modifiedBy = query.queryItemValue(u"modifiedBy"_s, QUrl::FullyDecoded);
    meta.changeReason = query.queryItemValue(u"changeReason"_s, QUrl::FullyDecoded);

    const QMutexLocker lock(&m_state.mutex);
    if (auto stored = replay(key, grant))
        return std::move(*stored);
    if (!organization)
        return remember(key, {}, missingOrganization());
    if (!grant.allows(*organization))
        return forbidden(*organization);
    if (!version)
        return remember(key, *organization,
                        PemsReplies::validation(u"version"_s, u"required"_s,
                                                u"the version query parameter (a whole number of "
                                                u"at least 1) is required"_s));
    return finishWrite(key, *organization,
                       m_state.store.remove(*organization, pfaId, version, meta));
}

std::optional<SimResponse> PemsApi::replay(const QByteArray& key, const ApiKeyRing::Grant& grant)
{
    if (key.isEmpty())
        return std::nullopt;
    IdempotencyStore::Entry* entry = m_state.idempotency.find(key);
    if (!entry || std::holds_alternative<std::monostate>(entry->reply))
        return std::nullopt;
    // A key cannot be used to read another organization's answers.
    if (!entry->organizationCode.isEmpty() && !grant.allows(entry->organizationCode))
        return forbidden(entry->organizationCode);
    SimResponse response;
    if (const auto* applied = std::get_if<IdempotencyStore::AppliedReply>(&entry->reply)) {
        response = PemsReplies::applied(*applied);
    } else {
        const auto& raw = std::get<IdempotencyStore::RawReply>(entry->reply);
        response.status = raw.status;
        response.body = raw.body;
    }
    response.addHeader("Idempotent-Replayed", QByteArrayLiteral("true"));
    qCDebug(lcSim) << "replayed idempotency key" << key;
    return response;
}

SimResponse PemsApi::finishWrite(const QByteArray& key, const QString& organizationCode,
                                 const WriteOutcome& outcome)
{
    switch (outcome.kind) {
    case WriteOutcome::Kind::Applied: {
        m_state.stats.recordWriteApplied();
        const IdempotencyStore::AppliedReply reply{outcome.pfaId, outcome.version,
                                                   outcome.updatedAtMs, outcome.deleted};
        if (!key.isEmpty()) {
            IdempotencyStore::Entry& entry = m_state.idempotency.entry(key);
            if (++entry.applications > 1)
                m_state.stats.recordDuplicateApplication();
            entry.reply = reply;
            entry.organizationCode = organizationCode;
        }
        return PemsReplies::applied(reply);
    }
    case WriteOutcome::Kind::NotFound:
        return remember(key, organizationCode,
                        PemsReplies::notFound(organizationCode, outcome.pfaId));
    case WriteOutcome::Kind::Conflict:
        return remember(key, organizationCode, PemsReplies::conflict(outcome));
    case WriteOutcome::Kind::Invalid: {
        std::vector<FieldProblem> problems;
        problems.reserve(outcome.issues.size());
        for (const model::ValidationIssue& issue : outcome.issues)
            problems.push_back(FieldProblem::fromIssue(issue));
        return remember(key, organizationCode, PemsReplies::validation(problems));
    }
    }
    return PemsReplies::error(500, "INTERNAL", u"unhandled write outcome"_s);
}

SimResponse PemsApi::remember(const QByteArray& key, const QString& organizationCode,
                              SimResponse response)
{
    if (!key.isEmpty()) {
        IdempotencyStore::Entry& entry = m_state.idempotency.entry(key);
        entry.reply = IdempotencyStore::RawReply{response.status, response.body};
        entry.organizationCode = organizationCode;
    }
    return response;
}

} // namespace pfa::sim
