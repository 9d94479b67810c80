#include "server/AuditRoutes.h"

#include "db/AuditSearchRepository.h"
#include "db/Database.h"
#include "server/OrganizationAccess.h"

using namespace Qt::StringLiterals;

namespace pfa::server {

namespace {
constexpr qsizetype MaxFilterLength = 200; // longer than any actor or action the engine writes
}

AuditRoutes::AuditRoutes(db::Database& database)
    : m_database(database)
{}

void AuditRoutes::install(ApiServer& server)
{
    server.route("GET", u"/api/pems/audit"_s, ApiServer::Access::Token,
                 [this](const ApiCall& call) { return list(call); });
}

HttpReply AuditRoutes::list(const ApiCall& call) const
{
    if (auto allowed = call.allowOnly(
            {u"organizationId", u"actor", u"action", u"from", u"to", u"limit", u"offset"});
        !allowed)
        return HttpReply::fromError(allowed.error());
    auto organizationId = call.queryId(u"organizationId"_s);
    auto from = call.queryDate(u"from"_s);
    auto to = call.queryDate(u"to"_s);
    auto paging = call.queryPage();
    for (const Error* error :
         {organizationId ? nullptr : &organizationId.error(), from ? nullptr : &from.error(),
          to ? nullptr : &to.error(), paging ? nullptr : &paging.error()}) {
        if (error)
            return HttpReply::fromError(*error);
    }
    db::AuditSearch search{.organizationIds = {},
                           .withoutOrganization = false,
                           .actor = call.queryText(u"actor"_s).value_or(QString()),
                           .action = call.queryText(u"action"_s).value_or(QString()),
                           .from = *from,
                           .to = *to,
                           .limit = paging->limit,
                           .offset = paging->offset};
    for (const auto& [name, value] :
         {std::pair{u"actor"_s, &search.actor}, std::pair{u"action"_s, &search.action}}) {
        if (value->size() > MaxFilterLength)
            return HttpReply::error(400, "INVALID_INPUT"_L1,
                                    u"must be at most %1 characters"_s.arg(MaxFilterLength), name);
    }
    if (*organizationId) {
        if (auto access = requireOrganization(call.caller(), **organizationId, std::nullopt);
            !access)
            return HttpReply::fromError(access.error());
        search.organizationIds.push_back(**organizationId);
    } else {
        for (const auto& permission : call.caller().permissions)
            search.organizationIds.push_back(permission.organizationId);
        // Entries of no organization (tokens, users, global pauses) are administrators' business.
        search.withoutOrganization = call.caller().user.isAdmin;
    }
    auto connection = m_database.connection();
    if (!connection)
        return HttpReply::fromError(connection.error());
    auto page = db::AuditSearchRepository(*connection).search(search);
    if (!page)
        return HttpReply::fromError(page.error());
    nlohmann::json entries = nlohmann::json::array();
    for (const auto& entry : page->entries)
        entries.push_back(model::toJson(entry));
    return HttpReply::json(200, {{"success", true}, {"entries", entries}, {"total", page->total}});
}

} // namespace pfa::server
