#include "server/QueueRoutes.h"

#include "db/Database.h"
#include "db/QueueRepository.h"
#include "model/JsonWrite.h"
#include "server/JsonBody.h"
#include "server/OrganizationAccess.h"
#include "server/ServerLog.h"
#include "sync/DeadLetterService.h"

using namespace Qt::StringLiterals;

namespace pfa::server {

namespace {

constexpr std::size_t MaxIds = 500;
constexpr qsizetype MaxPfaIdLength = 64; // longer than any PEMS record key

nlohmann::json entryJson(const db::QueueEntry& entry)
{
    const model::QueueItem& item = entry.item;
    // Not the payload, the idempotency key or the lease: they are the worker's business.
    return {{"id", item.id},
            {"modificationId", item.modificationId},
            {"organizationId", item.organizationId},
            {"pfaId", item.pfaId.toStdString()},
            {"operation", model::jsonOf(item.operation)},
            {"status", model::jsonOf(item.status)},
            {"priority", item.priority},
            {"attemptCount", entry.attemptCount},
            {"retryCount", item.retryCount},
            {"maxRetries", item.maxRetries},
            {"lastAttemptAt", model::jsonOf(item.lastAttemptAt)},
            {"lastError", item.lastError.isEmpty() ? nlohmann::json()
                                                   : nlohmann::json(item.lastError.toStdString())},
            {"failureClass", model::jsonOf(item.failureClass)},
            {"scheduledAt", model::jsonOf(item.scheduledAt)},
            {"completedAt", model::jsonOf(item.completedAt)},
            {"createdAt", model::jsonOf(item.createdAt)},
            {"jobId", model::jsonOf(item.jobId)}};
}

nlohmann::json pageJson(const db::QueuePage& page)
{
    nlohmann::json items = nlohmann::json::array();
    for (const auto& entry : page.entries)
        items.push_back(entryJson(entry));
    return {{"success", true}, {"items", items}, {"total", page.total}};
}

nlohmann::json itemsJson(const std::vector<model::QueueItem>& items)
{
    nlohmann::json ids = nlohmann::json::array();
    for (const auto& item : items)
        ids.push_back({{"id", item.id},
                       {"modificationId", item.modificationId},
                       {"pfaId", item.pfaId.toStdString()},
                       {"status", model::jsonOf(item.status)}});
    return ids;
}

// The organizations a list covers: the one asked for (when the caller belongs to it), else
// every organization of the caller.
Expected<std::vector<qint64>> scope(const ApiCall& call, std::optional<qint64> organizationId)
{
    if (organizationId) {
        if (auto access = requireOrganization(call.caller(), *organizationId, std::nullopt);
            !access)
            return std::unexpected(access.error());
        return std::vector<qint64>{*organizationId};
    }
    std::vector<qint64> ids;
    for (const auto& permission : call.caller().permissions)
        ids.push_back(permission.organizationId);
    return ids;
}

// Every id exists in an organization of the caller, who holds perm_sync there. The first id
// that does not exist or is not visible refuses the request with one message for both cases,
// so a bulk request cannot tell another organization's item from a missing one.
Expected<void> requireSyncOn(const QSqlDatabase& db, const Principal& caller,
                             const std::vector<qint64>& ids)
{
    auto organizations = db::QueueRepository(db).organizationsOf(ids);
    if (!organizations)
        return std::unexpected(organizations.error());
    for (const qint64 id : ids) {
        const auto found = organizations->find(id);
        if (found == organizations->end() || !caller.belongsTo(found->second))
            return fail(ErrorCode::NotFound, u"queue item %1 does not exist"_s.arg(id), u"ids"_s);
    }
    for (const qint64 id : ids) {
        if (auto access =
                requireOrganization(caller, organizations->at(id), sync::OrganizationRight::Sync);
            !access)
            return std::unexpected(access.error());
    }
    return {};
}

} // namespace

QueueRoutes::QueueRoutes(db::Database& database)
    : m_database(database)
{}

void QueueRoutes::install(ApiServer& server)
{
    server.route("GET", u"/api/pems/queue"_s, ApiServer::Access::Token,
                 [this](const ApiCall& call) { return list(call); });
    server.route("GET", u"/api/pems/dead-letters"_s, ApiServer::Access::Token,
                 [this](const ApiCall& call) { return deadLetters(call); });
    server.route("POST", u"/api/pems/dead-letters/retry"_s, ApiServer::Access::TokenLimited,
                 [this](const ApiCall& call) { return retry(call); });
    server.route("POST", u"/api/pems/dead-letters/discard"_s, ApiServer::Access::TokenLimited,
                 [this](const ApiCall& call) { return discard(call); });
}

HttpReply QueueRoutes::list(const ApiCall& call) const
{
    if (auto allowed =
            call.allowOnly({u"organizationId", u"status", u"pfaId", u"limit", u"offset"});
        !allowed)
        return HttpReply::fromError(allowed.error());
    auto organizationId = call.queryId(u"organizationId"_s);
    auto paging = call.queryPage();
    for (const Error* error :
         {organizationId ? nullptr : &organizationId.error(), paging ? nullptr : &paging.error()}) {
        if (error)
            return HttpReply::fromError(*error);
    }
    db::QueueFilter filter{.organizationIds = {},
                           .status = std::nullopt,
                           .pfaId = call.queryText(u"pfaId"_s).value_or(QString()),
                           .deadLettersOnly = false,
                           .newestFirst = true,
                           .limit = paging->limit,
                           .offset = paging->offset};
    if (const auto status = call.queryText(u"status"_s)) {
        filter.status = model::fromWire<model::QueueStatus>(*status);
        if (!filter.status)
            return HttpReply::error(400, "INVALID_INPUT"_L1,
                                    u"must be pending, processing, completed or failed"_s,
                                    u"status"_s);
    }
    if (filter.pfaId.size() > MaxPfaIdLength)
        return HttpReply::error(400, "INVALID_INPUT"_L1,
                                u"must be at most %1 characters"_s.arg(MaxPfaIdLength), u"pfaId"_s);
    auto organizations = scope(call, *organizationId);
    if (!organizations)
        return HttpReply::fromError(organizations.error());
    filter.organizationIds = std::move(*organizations);
    auto connection = m_database.connection();
    if (!connection)
        return HttpReply::fromError(connection.error());
    auto page = db::QueueRepository(*connection).page(filter);
    if (!page)
        return HttpReply::fromError(page.error());
    return HttpReply::json(200, pageJson(*page));
}

HttpReply QueueRoutes::deadLetters(const ApiCall& call) const
{
    if (auto allowed = call.allowOnly({u"organizationId", u"limit", u"offset"}); !allowed)
        return HttpReply::fromError(allowed.error());
    auto organizationId = call.queryId(u"organizationId"_s);
    auto paging = call.queryPage();
    for (const Error* error :
         {organizationId ? nullptr : &organizationId.error(), paging ? nullptr : &paging.error()}) {
        if (error)
            return HttpReply::fromError(*error);
    }
    auto organizations = scope(call, *organizationId);
    if (!organizations)
        return HttpReply::fromError(organizations.error());
    auto connection = m_database.connection();
    if (!connection)
        return HttpReply::fromError(connection.error());
    auto page =
        sync::DeadLetterService(*connection).page(*organizations, paging->limit, paging->offset);
    if (!page)
        return HttpReply::fromError(page.error());
    return HttpReply::json(200, pageJson(*page));
}

HttpReply QueueRoutes::retry(const ApiCall& call) const
{
    auto body = call.jsonObject();
    if (!body)
        return HttpReply::fromError(body.error());
    if (auto known = json_body::onlyKeys(*body, {"ids"}); !known)
        return HttpReply::fromError(known.error());
    auto ids = json_body::idList(*body, "ids", 1, MaxIds);
    if (!ids)
        return HttpReply::fromError(ids.error());
    auto connection = m_database.connection();
    if (!connection)
        return HttpReply::fromError(connection.error());
    if (auto allowed = requireSyncOn(*connection, call.caller(), *ids); !allowed)
        return HttpReply::fromError(allowed.error());
    auto redriven = sync::DeadLetterService(*connection).retry(*ids, call.caller().user.id);
    if (!redriven)
        return HttpReply::fromError(redriven.error());
    qCInfo(lcServer).noquote() << call.caller().user.email << "retried" << redriven->size()
                               << "dead letters";
    // Back in the queue: each record is re-read from PEMS before it is sent, later.
    return HttpReply::json(202, {{"success", true}, {"items", itemsJson(*redriven)}});
}

HttpReply QueueRoutes::discard(const ApiCall& call) const
{
    auto body = call.jsonObject();
    if (!body)
        return HttpReply::fromError(body.error());
    if (auto known = json_body::onlyKeys(*body, {"ids", "reason"}); !known)
        return HttpReply::fromError(known.error());
    auto ids = json_body::idList(*body, "ids", 1, MaxIds);
    if (!ids)
        return HttpReply::fromError(ids.error());
    auto reason =
        json_body::requiredText(*body, "reason", u"a text saying why the changes are dropped"_s);
    if (!reason)
        return HttpReply::fromError(reason.error());
    auto connection = m_database.connection();
    if (!connection)
        return HttpReply::fromError(connection.error());
    if (auto allowed = requireSyncOn(*connection, call.caller(), *ids); !allowed)
        return HttpReply::fromError(allowed.error());
    auto discarded =
        sync::DeadLetterService(*connection).discard(*ids, *reason, call.caller().user.id);
    if (!discarded)
        return HttpReply::fromError(discarded.error());
    qCInfo(lcServer).noquote() << call.caller().user.email << "discarded" << discarded->size()
                               << "dead letters";
    return HttpReply::json(200, {{"success", true}, {"items", itemsJson(*discarded)}});
}

} // namespace pfa::server
