#include "server/RecordRoutes.h"

#include "db/Database.h"
#include "db/MirrorRepository.h"
#include "model/JsonWrite.h"
#include "model/RollbackPlan.h"
#include "server/JsonBody.h"
#include "server/OrganizationAccess.h"
#include "sync/RollbackService.h"

#include <algorithm>

using namespace Qt::StringLiterals;

namespace pfa::server {

namespace {

constexpr qsizetype MaxPfaIdLength = 64; // longer than any PEMS record key

// The {pfaId} segment. Never echoed in errors: it is whatever the caller put in the path.
Expected<QString> capturedPfaId(const ApiCall& call)
{
    const QString pfaId = call.captures.value(0);
    if (pfaId.isEmpty() || pfaId.size() > MaxPfaIdLength ||
        std::ranges::any_of(pfaId, [](QChar c) { return c.category() == QChar::Other_Control; }))
        return fail(
            ErrorCode::InvalidInput,
            u"the record id in the path must be 1 to %1 printable characters"_s.arg(MaxPfaIdLength),
            u"pfaId"_s);
    return pfaId;
}

// The mirrored record if the caller belongs to its organization. A missing record of a visible
// organization is one fixed message; an invisible organization answers as a missing one.
Expected<model::MirrorRecord> visibleRecord(const QSqlDatabase& db, const Principal& caller,
                                            qint64 organizationId, const QString& pfaId)
{
    if (auto access = requireOrganization(caller, organizationId, std::nullopt); !access)
        return std::unexpected(access.error());
    auto record = db::MirrorRepository(db).find(organizationId, pfaId);
    if (!record)
        return std::unexpected(record.error());
    if (!*record)
        return fail(ErrorCode::NotFound,
                    u"the record does not exist in organization %1"_s.arg(organizationId),
                    u"pfaId"_s);
    return std::move(**record);
}

nlohmann::json versionJson(const model::MirrorHistoryEntry& entry)
{
    return {{"version", entry.version},
            {"recordedAt", model::jsonOf(entry.recordedAt)},
            {"source", model::jsonOf(entry.source)},
            {"actor", entry.actor.toStdString()},
            {"changedFields", model::jsonOf(entry.changedFields)},
            {"data", model::jsonOf(entry.data)}};
}

} // namespace

RecordRoutes::RecordRoutes(db::Database& database)
    : m_database(database)
{}

void RecordRoutes::install(ApiServer& server)
{
    server.route("GET", u"/api/pems/records/{pfaId}/history"_s, ApiServer::Access::Token,
                 [this](const ApiCall& call) { return history(call); });
    server.route("POST", u"/api/pems/records/{pfaId}/rollback"_s, ApiServer::Access::TokenLimited,
                 [this](const ApiCall& call) { return rollback(call); });
}

HttpReply RecordRoutes::history(const ApiCall& call) const
{
    if (auto allowed = call.allowOnly({u"organizationId"}); !allowed)
        return HttpReply::fromError(allowed.error());
    auto pfaId = capturedPfaId(call);
    if (!pfaId)
        return HttpReply::fromError(pfaId.error());
    auto organizationId = call.queryId(u"organizationId"_s);
    if (!organizationId)
        return HttpReply::fromError(organizationId.error());
    if (!*organizationId)
        return HttpReply::error(400, "INVALID_INPUT"_L1, u"is required"_s, u"organizationId"_s);
    auto connection = m_database.connection();
    if (!connection)
        return HttpReply::fromError(connection.error());
    auto record = visibleRecord(*connection, call.caller(), **organizationId, *pfaId);
    if (!record)
        return HttpReply::fromError(record.error());
    auto history = db::MirrorRepository(*connection).history(record->id);
    if (!history)
        return HttpReply::fromError(history.error());
    nlohmann::json versions = nlohmann::json::array();
    // Newest first, as the wizard lists them; the repository reads them oldest first.
    for (auto entry = history->rbegin(); entry != history->rend(); ++entry)
        versions.push_back(versionJson(*entry));
    return HttpReply::json(200, {{"success", true},
                                 {"organizationId", record->organizationId},
                                 {"pfaId", record->pfaId.toStdString()},
                                 {"currentVersion", record->version},
                                 {"versions", versions}});
}

HttpReply RecordRoutes::rollback(const ApiCall& call) const
{
    auto pfaId = capturedPfaId(call);
    if (!pfaId)
        return HttpReply::fromError(pfaId.error());
    auto body = call.jsonObject();
    if (!body)
        return HttpReply::fromError(body.error());
    if (auto known = json_body::onlyKeys(
            *body, {"organizationId", "version", "reason", "expectedFromVersion"});
        !known)
        return HttpReply::fromError(known.error());
    auto organizationId = json_body::requiredId(*body, "organizationId");
    if (!organizationId)
        return HttpReply::fromError(organizationId.error());
    auto version = json_body::requiredId(*body, "version");
    if (!version)
        return HttpReply::fromError(version.error());
    auto reason =
        json_body::requiredText(*body, "reason", u"a text saying why the record is rolled back"_s);
    if (!reason)
        return HttpReply::fromError(reason.error());
    auto expectedFrom = json_body::optionalId(*body, "expectedFromVersion");
    if (!expectedFrom)
        return HttpReply::fromError(expectedFrom.error());
    auto connection = m_database.connection();
    if (!connection)
        return HttpReply::fromError(connection.error());
    auto record = visibleRecord(*connection, call.caller(), *organizationId, *pfaId);
    if (!record)
        return HttpReply::fromError(record.error());
    if (!call.caller().user.isAdmin)
        return HttpReply::error(403, "FORBIDDEN"_L1, u"rollback needs an administrator"_s);
    auto result = sync::RollbackService(*connection)
                      .rollbackRecord({.organizationId = *organizationId,
                                       .pfaId = record->pfaId,
                                       .toVersion = *version,
                                       .reason = *reason,
                                       .expectedFromVersion = *expectedFrom},
                                      call.caller().user.id);
    if (!result) {
        Error error = result.error();
        if (error.field == u"toVersion")
            error.field = u"version"_s; // the engine's name for what this body calls version
        return HttpReply::fromError(error);
    }
    const sync::QueuedRollback& queued = result->records.front();
    nlohmann::json plan = model::toJson(queued.plan);
    return HttpReply::json(202, {{"success", true},
                                 {"jobId", result->job.id},
                                 {"modificationId", queued.modification.id},
                                 {"queueId", queued.queueItem.id},
                                 {"priority", queued.queueItem.priority},
                                 {"fromVersion", queued.plan.fromVersion},
                                 {"toVersion", queued.plan.toVersion},
                                 {"changes", plan["changes"]}});
}

} // namespace pfa::server
