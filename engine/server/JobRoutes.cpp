#include "server/JobRoutes.h"

#include "db/Database.h"
#include "db/JobHistoryRepository.h"
#include "model/JsonWrite.h"
#include "server/OrganizationAccess.h"
#include "sync/RollbackService.h"

using namespace Qt::StringLiterals;

namespace pfa::server {

namespace {

nlohmann::json summaryJson(const db::JobSummary& summary)
{
    nlohmann::json json = model::toJson(summary.job);
    json["status"] = summary.status.toStdString();
    json["itemCount"] = summary.itemCount;
    json["completedCount"] = summary.completedCount;
    json["failedCount"] = summary.failedCount;
    return json;
}

nlohmann::json itemJson(const db::JobItem& item)
{
    nlohmann::json attempts = nlohmann::json::array();
    for (const auto& attempt : item.attempts) {
        attempts.push_back(
            {{"attempt", attempt.attempt},
             {"startedAt", model::jsonOf(attempt.startedAt)},
             {"finishedAt", model::jsonOf(attempt.finishedAt)},
             {"httpStatus",
              attempt.httpStatus ? nlohmann::json(*attempt.httpStatus) : nlohmann::json()},
             {"outcome", attempt.outcome.toStdString()},
             {"error", attempt.error.isEmpty() ? nlohmann::json()
                                               : nlohmann::json(attempt.error.toStdString())},
             {"durationMs", model::jsonOf(attempt.durationMs)}});
    }
    return {{"queueId", item.queueId},
            {"modificationId", item.modificationId},
            {"pfaId", item.pfaId.toStdString()},
            {"operation", item.operation.toStdString()},
            {"status", item.status.toStdString()},
            {"error",
             item.error.isEmpty() ? nlohmann::json() : nlohmann::json(item.error.toStdString())},
            {"attemptCount", item.attempts.size()},
            {"attempts", attempts}};
}

// The job if it exists and the caller belongs to its organization; NotFound otherwise.
Expected<db::JobSummary> visibleJob(const QSqlDatabase& db, const ApiCall& call)
{
    auto id = call.captureId(0, u"sync job"_s);
    if (!id)
        return std::unexpected(id.error());
    auto summary = db::JobHistoryRepository(db).summary(*id);
    if (!summary)
        return std::unexpected(summary.error());
    if (!call.caller().belongsTo(summary->job.organizationId))
        return fail(ErrorCode::NotFound, u"sync job %1 does not exist"_s.arg(*id));
    return summary;
}

} // namespace

JobRoutes::JobRoutes(db::Database& database)
    : m_database(database)
{}

void JobRoutes::install(ApiServer& server)
{
    server.route("GET", u"/api/pems/sync-jobs"_s, ApiServer::Access::Token,
                 [this](const ApiCall& call) { return list(call); });
    server.route("GET", u"/api/pems/sync-jobs/{id}"_s, ApiServer::Access::Token,
                 [this](const ApiCall& call) { return show(call); });
    server.route("POST", u"/api/pems/sync-jobs/{id}/rollback"_s, ApiServer::Access::TokenLimited,
                 [this](const ApiCall& call) { return rollback(call); });
}

HttpReply JobRoutes::list(const ApiCall& call) const
{
    if (auto allowed = call.allowOnly(
            {u"organizationId", u"status", u"trigger", u"from", u"to", u"limit", u"offset"});
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
    db::JobFilter filter{.organizationIds = {},
                         .status = {},
                         .trigger = {},
                         .from = *from,
                         .to = *to,
                         .limit = paging->limit,
                         .offset = paging->offset};
    if (const auto status = call.queryText(u"status"_s)) {
        if (*status != u"running" && *status != u"failed" && *status != u"completed")
            return HttpReply::error(400, "INVALID_INPUT"_L1,
                                    u"must be running, failed or completed"_s, u"status"_s);
        filter.status = *status;
    }
    if (const auto trigger = call.queryText(u"trigger"_s)) {
        filter.trigger = model::fromWire<model::JobTrigger>(*trigger);
        if (!filter.trigger)
            return HttpReply::error(400, "INVALID_INPUT"_L1,
                                    u"must be schedule, manual, api, rollback or resolution"_s,
                                    u"trigger"_s);
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
    auto page = db::JobHistoryRepository(*connection).list(filter);
    if (!page)
        return HttpReply::fromError(page.error());
    nlohmann::json jobs = nlohmann::json::array();
    for (const auto& summary : page->jobs)
        jobs.push_back(summaryJson(summary));
    return HttpReply::json(200, {{"success", true}, {"jobs", jobs}, {"total", page->total}});
}

HttpReply JobRoutes::show(const ApiCall& call) const
{
    auto connection = m_database.connection();
    if (!connection)
        return HttpReply::fromError(connection.error());
    auto summary = visibleJob(*connection, call);
    if (!summary)
        return HttpReply::fromError(summary.error());
    auto items = db::JobHistoryRepository(*connection).items(summary->job.id);
    if (!items)
        return HttpReply::fromError(items.error());
    nlohmann::json job = summaryJson(*summary);
    job["items"] = nlohmann::json::array();
    for (const auto& item : *items)
        job["items"].push_back(itemJson(item));
    return HttpReply::json(200, {{"success", true}, {"job", job}});
}

HttpReply JobRoutes::rollback(const ApiCall& call) const
{
    auto connection = m_database.connection();
    if (!connection)
        return HttpReply::fromError(connection.error());
    auto summary = visibleJob(*connection, call);
    if (!summary)
        return HttpReply::fromError(summary.error());
    auto body = call.jsonObject();
    if (!body)
        return HttpReply::fromError(body.error());
    for (const auto& [key, value] : body->items()) {
        if (key != "reason")
            return HttpReply::error(400, "INVALID_INPUT"_L1, u"unknown field"_s,
                                    QString::fromStdString(key));
    }
    const auto reason = body->find("reason");
    if (reason == body->end() || !reason->is_string() ||
        QString::fromStdString(reason->get<std::string>()).trimmed().isEmpty())
        return HttpReply::error(400, "INVALID_INPUT"_L1,
                                u"is required: a text saying why the job is rolled back"_s,
                                u"reason"_s);
    if (!call.caller().user.isAdmin)
        return HttpReply::error(403, "FORBIDDEN"_L1, u"rollback needs an administrator"_s);
    auto result =
        sync::RollbackService(*connection)
            .rollbackJob(summary->job.id, QString::fromStdString(reason->get<std::string>()),
                         call.caller().user.id);
    if (!result)
        return HttpReply::fromError(result.error());
    nlohmann::json ids = nlohmann::json::array();
    for (const auto& record : result->records)
        ids.push_back(record.modification.id);
    return HttpReply::json(202, {{"success", true},
                                 {"jobId", result->job.id},
                                 {"rolledBackJobId", summary->job.id},
                                 {"modificationIds", ids}});
}

} // namespace pfa::server
