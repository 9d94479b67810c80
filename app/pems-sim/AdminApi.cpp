#include "AdminApi.h"

#include "PemsReplies.h"
#include "SimClock.h"
#include "SimLog.h"
#include "SimState.h"

#include "model/FieldValue.h"

#include <QMutexLocker>

using namespace Qt::StringLiterals;

namespace pfa::sim {

namespace {

using Method = QHttpServerRequest::Method;

constexpr QStringView Prefix = u"/__admin/";

SimResponse ok(nlohmann::json body = nlohmann::json::object())
{
    body["success"] = true;
    return PemsReplies::json(200, body);
}

SimResponse methodNotAllowed()
{
    return PemsReplies::error(405, "METHOD_NOT_ALLOWED", u"this method is not supported here"_s);
}

std::optional<QString> optionalText(const nlohmann::json& body, const char* key)
{
    const auto it = body.find(key);
    if (it == body.end() || it->is_null())
        return QString();
    if (!it->is_string())
        return std::nullopt;
    return QString::fromStdString(it->get<std::string>());
}

} // namespace

AdminApi::AdminApi(SimState& state)
    : m_state(state)
{}

SimResponse AdminApi::handle(const QHttpServerRequest& request, QStringView path)
{
    if (request.value(QByteArrayLiteral("x-admin-key")) != m_state.adminKey)
        return PemsReplies::error(401, "UNAUTHORIZED",
                                  u"the admin API needs the X-Admin-Key header"_s);
    const QMutexLocker lock(&m_state.mutex);

    const Method method = request.method();
    const QStringList parts =
        path.startsWith(Prefix) ? path.mid(Prefix.size()).toString().split(u'/') : QStringList();
    const QString first = parts.value(0);

    if (parts.size() == 1 && first == u"faults")
        return faults(method, request);
    if (parts.size() == 3 && first == u"records" && !parts[1].isEmpty() && !parts[2].isEmpty())
        return record(method, request, parts[1], parts[2]);
    if (parts.size() == 1 && first == u"stats") {
        if (method != Method::Get)
            return methodNotAllowed();
        return PemsReplies::json(
            200, m_state.stats.toJson(m_state.idempotency.size(), m_state.idempotency.capacity()));
    }
    if (parts.size() == 2 && first == u"stats" && parts[1] == u"reset") {
        if (method != Method::Post)
            return methodNotAllowed();
        m_state.stats.reset();
        return ok();
    }
    if (parts.size() == 2 && first == u"idempotency" && !parts[1].isEmpty()) {
        if (method != Method::Get)
            return methodNotAllowed();
        const IdempotencyStore::Entry* entry = m_state.idempotency.find(parts[1].toUtf8());
        if (!entry)
            return PemsReplies::error(
                404, "NOT_FOUND",
                u"idempotency key %1 was never seen (or is forgotten)"_s.arg(parts[1]));
        return PemsReplies::json(
            200, {{"requests", entry->requests},
                  {"applications", entry->applications},
                  {"answered", !std::holds_alternative<std::monostate>(entry->reply)}});
    }
    return PemsReplies::error(404, "NOT_FOUND", u"no such admin endpoint: %1"_s.arg(path));
}

SimResponse AdminApi::faults(Method method, const QHttpServerRequest& request)
{
    if (method == Method::Get)
        return PemsReplies::json(200, m_state.faults.toJson());
    if (method == Method::Delete) {
        m_state.faults = FaultPlan();
        qCInfo(lcSim) << "fault plan cleared";
        return ok();
    }
    if (method != Method::Put)
        return methodNotAllowed();
    const auto body = model::parseJson(request.body());
    if (!body)
        return PemsReplies::validation(u"body"_s, u"json"_s, body.error().message);
    auto plan = FaultPlan::fromJson(*body);
    if (!plan)
        return PemsReplies::validation(plan.error().field, u"faultPlan"_s, plan.error().message);
    m_state.faults = std::move(*plan);
    qCInfo(lcSim).noquote() << "fault plan set:"
                            << QString::fromStdString(m_state.faults.toJson().dump());
    return ok({{"faults", m_state.faults.toJson()}});
}

SimResponse AdminApi::record(Method method, const QHttpServerRequest& request,
                             const QString& organizationCode, const QString& pfaId)
{
    if (method == Method::Get) {
        const SimRecord* found = m_state.store.find(organizationCode, pfaId);
        if (!found)
            return PemsReplies::notFound(organizationCode, pfaId);
        return PemsReplies::json(200, PemsReplies::history(*found));
    }

    ChangeMeta meta{.modifiedBy = u"pems-admin"_s, .source = ChangeSource::Admin};
    WriteOutcome outcome;
    if (method == Method::Delete) {
        outcome = m_state.store.remove(organizationCode, pfaId, std::nullopt, meta);
    } else if (method == Method::Put) {
        const auto body = model::parseJson(request.body());
        if (!body)
            return PemsReplies::validation(u"body"_s, u"json"_s, body.error().message);
        if (!body->is_object() || !body->contains("changes"))
            return PemsReplies::validation(u"changes"_s, u"required"_s,
                                           u"the body must be {\"changes\": {...}}"_s);
        auto changes = model::fieldMapFromJson(body->at("changes"));
        if (!changes) {
            const bool known = model::fieldFromWire(changes.error().field).has_value();
            return PemsReplies::validation(
                changes.error().field, known ? u"type"_s : u"unknownField"_s,
                known ? changes.error().toString() : changes.error().message);
        }
        const auto modifiedBy = optionalText(*body, "modifiedBy");
        const auto changeReason = optionalText(*body, "changeReason");
        if (!modifiedBy || !changeReason)
            return PemsReplies::validation(u"modifiedBy"_s, u"type"_s,
                                           u"modifiedBy and changeReason must be strings"_s);
        if (!modifiedBy->isEmpty())
            meta.modifiedBy = *modifiedBy;
        meta.changeReason = *changeReason;
        outcome = m_state.store.upsert(organizationCode, pfaId, *changes, meta);
    } else {
        return methodNotAllowed();
    }

    switch (outcome.kind) {
    case WriteOutcome::Kind::Applied:
        qCDebug(lcSim) << "admin changed" << organizationCode << pfaId << "to version"
                       << outcome.version;
        return ok({{"pfaId", pfaId.toStdString()},
                   {"version", outcome.version},
                   {"updatedAt", SimClock::formatIso(outcome.updatedAtMs)},
                   {"deleted", outcome.deleted}});
    case WriteOutcome::Kind::NotFound:
        return PemsReplies::notFound(organizationCode, pfaId);
    case WriteOutcome::Kind::Invalid: {
        std::vector<FieldProblem> problems;
        for (const model::ValidationIssue& issue : outcome.issues)
            problems.push_back(FieldProblem::fromIssue(issue));
        return PemsReplies::validation(problems);
    }
    case WriteOutcome::Kind::Conflict:
        break;
    }
    return PemsReplies::error(500, "INTERNAL", u"unexpected outcome of an admin write"_s);
}

} // namespace pfa::sim
