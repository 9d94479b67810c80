#include "server/ConflictRoutes.h"

#include "db/ConflictRepository.h"
#include "db/Database.h"
#include "model/IsoDateTime.h"
#include "server/OrganizationAccess.h"
#include "sync/ConflictResolver.h"

using namespace Qt::StringLiterals;

namespace pfa::server {

namespace {

// The conflict if it exists and the caller belongs to its organization; NotFound otherwise.
Expected<model::Conflict> visibleConflict(const QSqlDatabase& db, const ApiCall& call)
{
    auto id = call.captureId(0, u"conflict"_s);
    if (!id)
        return std::unexpected(id.error());
    auto conflict = db::ConflictRepository(db).find(*id);
    if (!conflict)
        return std::unexpected(conflict.error());
    if (!call.caller().belongsTo(conflict->organizationId))
        return fail(ErrorCode::NotFound, u"conflict %1 does not exist"_s.arg(*id));
    return conflict;
}

// mergedData gives the value to keep per conflicting field: the local value means "mine",
// PEMS' value means "PEMS'", anything else is an edited value (validated by the resolver).
Expected<std::map<model::PfaField, sync::FieldChoice>> choicesFrom(const model::Conflict& conflict,
                                                                   const nlohmann::json& mergedData)
{
    if (!mergedData.is_object())
        return fail(ErrorCode::InvalidInput,
                    u"merge needs mergedData: an object with a value per conflicting field"_s,
                    u"mergedData"_s);
    auto values = model::fieldMapFromJson(mergedData);
    if (!values) {
        Error error = values.error();
        error.field = u"mergedData."_s + error.field;
        return std::unexpected(error);
    }
    std::map<model::PfaField, sync::FieldChoice> choices;
    for (const auto& [field, value] : *values) {
        const auto local = conflict.localData.find(field);
        const auto pems = conflict.pemsData.find(field);
        if (local != conflict.localData.end() && local->second == value)
            choices[field] = {.source = sync::FieldChoice::Source::Mine, .edited = {}};
        else if (pems != conflict.pemsData.end() && pems->second == value)
            choices[field] = {.source = sync::FieldChoice::Source::Pems, .edited = {}};
        else
            choices[field] = {.source = sync::FieldChoice::Source::Edited, .edited = value};
    }
    return choices;
}

} // namespace

ConflictRoutes::ConflictRoutes(db::Database& database)
    : m_database(database)
{}

void ConflictRoutes::install(ApiServer& server)
{
    server.route("GET", u"/api/pems/conflicts"_s, ApiServer::Access::Token,
                 [this](const ApiCall& call) { return list(call); });
    server.route("GET", u"/api/pems/conflicts/{id}"_s, ApiServer::Access::Token,
                 [this](const ApiCall& call) { return show(call); });
    server.route("POST", u"/api/pems/conflicts/{id}/resolve"_s, ApiServer::Access::TokenLimited,
                 [this](const ApiCall& call) { return resolve(call); });
}

HttpReply ConflictRoutes::list(const ApiCall& call) const
{
    if (auto allowed = call.allowOnly({u"organizationId", u"status", u"limit", u"offset"});
        !allowed)
        return HttpReply::fromError(allowed.error());
    auto organizationId = call.queryId(u"organizationId"_s);
    auto paging = call.queryPage();
    for (const Error* error :
         {organizationId ? nullptr : &organizationId.error(), paging ? nullptr : &paging.error()}) {
        if (error)
            return HttpReply::fromError(*error);
    }
    db::ConflictFilter filter{.organizationIds = {},
                              .status = model::ConflictStatus::Unresolved,
                              .limit = paging->limit,
                              .offset = paging->offset};
    if (const auto status = call.queryText(u"status"_s)) {
        if (*status == u"all")
            filter.status.reset();
        else if (const auto parsed = model::fromWire<model::ConflictStatus>(*status))
            filter.status = *parsed;
        else
            return HttpReply::error(400, "INVALID_INPUT"_L1,
                                    u"must be unresolved, resolved_auto, resolved_manual or all"_s,
                                    u"status"_s);
    }
    if (*organizationId) {
        if (auto access = requireOrganization(call.caller(), **organizationId, std::nullopt);
            !access)
            return HttpReply::fromError(access.error());
        filter.organizationIds.push_back(**organizationId);
    } else {
        for (const auto& permission : call.caller().permissions)
            filter.organizationIds.push_back(permission.organizationId);
    }
    auto connection = m_database.connection();
    if (!connection)
        return HttpReply::fromError(connection.error());
    auto page = db::ConflictRepository(*connection).list(filter);
    if (!page)
        return HttpReply::fromError(page.error());
    nlohmann::json conflicts = nlohmann::json::array();
    for (const auto& conflict : page->conflicts)
        conflicts.push_back(model::toJson(conflict));
    return HttpReply::json(200,
                           {{"success", true}, {"conflicts", conflicts}, {"total", page->total}});
}

HttpReply ConflictRoutes::show(const ApiCall& call) const
{
    auto connection = m_database.connection();
    if (!connection)
        return HttpReply::fromError(connection.error());
    auto conflict = visibleConflict(*connection, call);
    if (!conflict)
        return HttpReply::fromError(conflict.error());
    return HttpReply::json(200, {{"success", true}, {"conflict", model::toJson(*conflict)}});
}

HttpReply ConflictRoutes::resolve(const ApiCall& call) const
{
    auto connection = m_database.connection();
    if (!connection)
        return HttpReply::fromError(connection.error());
    auto conflict = visibleConflict(*connection, call);
    if (!conflict)
        return HttpReply::fromError(conflict.error());
    auto body = call.jsonObject();
    if (!body)
        return HttpReply::fromError(body.error());
    for (const auto& [key, value] : body->items()) {
        if (key != "resolution" && key != "mergedData")
            return HttpReply::error(400, "INVALID_INPUT"_L1, u"unknown field"_s,
                                    QString::fromStdString(key));
    }
    const auto resolution = body->find("resolution");
    const auto strategy = resolution != body->end() && resolution->is_string()
                              ? model::fromWire<model::Resolution>(
                                    QString::fromStdString(resolution->get<std::string>()))
                              : std::nullopt;
    if (!strategy)
        return HttpReply::error(400, "INVALID_INPUT"_L1, u"must be use_local, use_pems or merge"_s,
                                u"resolution"_s);
    sync::Resolve request{.conflictId = conflict->id, .strategy = *strategy, .choices = {}};
    if (*strategy == model::Resolution::Merge) {
        auto choices = choicesFrom(*conflict, body->value("mergedData", nlohmann::json()));
        if (!choices)
            return HttpReply::fromError(choices.error());
        request.choices = std::move(*choices);
    } else if (body->contains("mergedData") && !(*body)["mergedData"].is_null()) {
        return HttpReply::error(400, "INVALID_INPUT"_L1, u"only a merge takes mergedData"_s,
                                u"mergedData"_s);
    }
    auto resolved = sync::ConflictResolver(*connection).resolve(request, call.caller().user.id);
    if (!resolved)
        return HttpReply::fromError(resolved.error());
    const bool sends = resolved->modification.status != model::SyncStatus::Discarded;
    return HttpReply::json(
        200, {{"success", true},
              {"conflictId", resolved->conflict.id},
              {"resolvedAt",
               model::toIsoUtc(resolved->conflict.resolvedAt.value_or(QDateTime())).toStdString()},
              {"appliedChanges", sends ? model::fieldMapToJson(resolved->modification.delta)
                                       : nlohmann::json::object()},
              {"modificationStatus", model::toWire(resolved->modification.status).toStdString()}});
}

} // namespace pfa::server
