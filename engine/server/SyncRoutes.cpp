#include "server/SyncRoutes.h"

#include "db/Database.h"
#include "db/JobRepository.h"
#include "db/ModificationRepository.h"
#include "db/SyncStatusRepository.h"
#include "db/Transaction.h"
#include "model/IsoDateTime.h"
#include "model/JsonWrite.h"
#include "server/OrganizationAccess.h"
#include "sync/SyncMetrics.h"
#include "sync/WriteSwitch.h"
#include "sync/WriteSyncEngine.h"

#include <QDateTime>

#include <cmath>

using namespace Qt::StringLiterals;

namespace pfa::server {

namespace {

// A heartbeat older than this means the worker loop is stuck.
constexpr qint64 HeartbeatStaleMs = 120'000;

constexpr int MaxModificationIds = 1000;

Expected<qint64> requiredId(const nlohmann::json& body, const char* key)
{
    const auto found = body.find(key);
    if (found == body.end() || found->is_null())
        return fail(ErrorCode::InvalidInput, u"is required"_s, QString::fromLatin1(key));
    if (!found->is_number_integer() || found->get<qint64>() <= 0)
        return fail(ErrorCode::InvalidInput, u"must be a positive integer id"_s,
                    QString::fromLatin1(key));
    return found->get<qint64>();
}

Expected<void> onlyKeys(const nlohmann::json& body, std::initializer_list<std::string_view> keys)
{
    for (const auto& [key, value] : body.items()) {
        if (std::ranges::find(keys, std::string_view(key)) == keys.end())
            return fail(ErrorCode::InvalidInput, u"unknown field"_s, QString::fromStdString(key));
    }
    return {};
}

// What a pause or resume acts on: the organization named (perm_sync needed there), or every
// organization (administrators only).
Expected<std::optional<qint64>> switchScope(const ApiCall& call, const nlohmann::json& body,
                                            const QString& verb)
{
    if (!body.contains("organizationId")) {
        if (!call.caller().user.isAdmin)
            return fail(ErrorCode::Forbidden,
                        u"%1 every organization needs an administrator"_s.arg(verb));
        return std::optional<qint64>();
    }
    auto id = requiredId(body, "organizationId");
    if (!id)
        return std::unexpected(id.error());
    if (auto access = requireOrganization(call.caller(), *id, sync::OrganizationRight::Sync);
        !access)
        return std::unexpected(access.error());
    return std::optional(*id);
}

nlohmann::json isoOrNull(const std::optional<QDateTime>& at)
{
    return at ? nlohmann::json(model::toIsoUtc(*at).toStdString()) : nlohmann::json();
}

} // namespace

SyncRoutes::SyncRoutes(db::Database& database, sync::WriteSyncEngine* engine,
                       sync::WorkerConfig config)
    : m_database(database)
    , m_engine(engine)
    , m_config(std::move(config))
{}

void SyncRoutes::install(ApiServer& server)
{
    server.route("POST", u"/api/pems/write-sync"_s, ApiServer::Access::TokenLimited,
                 [this](const ApiCall& call) { return writeSync(call); });
    server.route("GET", u"/api/pems/sync-status"_s, ApiServer::Access::Token,
                 [this](const ApiCall& call) { return syncStatus(call); });
    server.route("POST", u"/api/pems/worker/pause"_s, ApiServer::Access::TokenLimited,
                 [this](const ApiCall& call) { return pause(call); });
    server.route("POST", u"/api/pems/worker/resume"_s, ApiServer::Access::TokenLimited,
                 [this](const ApiCall& call) { return resume(call); });
}

HttpReply SyncRoutes::writeSync(const ApiCall& call)
{
    auto body = call.jsonObject();
    if (!body)
        return HttpReply::fromError(body.error());
    if (auto keys = onlyKeys(*body, {"organizationId", "modificationIds", "priority"}); !keys)
        return HttpReply::fromError(keys.error());
    auto organizationId = requiredId(*body, "organizationId");
    if (!organizationId)
        return HttpReply::fromError(organizationId.error());
    int priority = 0;
    if (const auto found = body->find("priority"); found != body->end() && !found->is_null()) {
        if (!found->is_number_integer() || found->get<qint64>() < 0 || found->get<qint64>() > 100)
            return HttpReply::fromError(
                {ErrorCode::InvalidInput, u"must be an integer from 0 to 100"_s, u"priority"_s});
        priority = found->get<int>();
    }
    std::vector<qint64> modificationIds;
    if (const auto found = body->find("modificationIds");
        found != body->end() && !found->is_null()) {
        if (!found->is_array() || found->size() > MaxModificationIds)
            return HttpReply::fromError(
                {ErrorCode::InvalidInput,
                 u"must be an array of at most %1 modification ids"_s.arg(MaxModificationIds),
                 u"modificationIds"_s});
        for (const auto& id : *found) {
            if (!id.is_number_integer() || id.get<qint64>() <= 0)
                return HttpReply::fromError({ErrorCode::InvalidInput,
                                             u"must hold positive integer ids only"_s,
                                             u"modificationIds"_s});
            modificationIds.push_back(id.get<qint64>());
        }
    }
    const Principal& caller = call.caller();
    if (auto access = requireOrganization(caller, *organizationId, sync::OrganizationRight::Sync);
        !access)
        return HttpReply::fromError(access.error());

    auto connection = m_database.connection();
    if (!connection)
        return HttpReply::fromError(connection.error());
    const QString actor = caller.user.email;

    // The drafts named are committed all or none, into the job this request opens.
    auto transaction = db::Transaction::begin(*connection);
    if (!transaction)
        return HttpReply::fromError(transaction.error());
    auto job = db::JobRepository(*connection)
                   .create(*organizationId, model::JobTrigger::Api, caller.user.id, actor);
    if (!job)
        return HttpReply::fromError(job.error());
    db::ModificationRepository modifications(*connection);
    int committed = 0;
    for (const qint64 id : modificationIds) {
        auto modification = modifications.lock(id);
        if (!modification || modification->organizationId != *organizationId) {
            if (!modification && modification.error().code != ErrorCode::NotFound)
                return HttpReply::fromError(modification.error());
            return HttpReply::error(404, "NOT_FOUND"_L1,
                                    u"modification %1 does not exist"_s.arg(id),
                                    u"modificationIds"_s);
        }
        if (modification->status == model::SyncStatus::Draft) {
            auto queued = modifications.commit(
                id, actor, {.priority = priority, .maxRetries = 3, .jobId = job->id});
            if (!queued) {
                Error error = queued.error();
                error.message = u"modification %1: %2"_s.arg(id).arg(error.message);
                return HttpReply::fromError(error);
            }
            ++committed;
        } else if (model::isTerminal(modification->status)) {
            return HttpReply::error(409, "CONFLICT"_L1,
                                    u"modification %1 is %2 already: only drafts and queued"
                                    " changes can be synced"_s.arg(id)
                                        .arg(model::toWire(modification->status)),
                                    u"modificationIds"_s);
        }
    }
    if (auto done = transaction->commit(); !done)
        return HttpReply::fromError(done.error());

    // The job groups what the worker claims for the organization from now on.
    if (m_engine) {
        m_engine->adopt(*organizationId, job->id);
    }
    auto summary = db::SyncStatusRepository(*connection)
                       .summary({.organizationId = *organizationId, .since = {}, .until = {}});
    if (!summary)
        return HttpReply::fromError(summary.error());
    const qint64 queued = summary->pending + summary->processing;
    const int rate = m_config.rateLimit;
    const qint64 seconds = rate > 0 ? qint64(std::ceil(double(queued) / rate)) : 0;
    return HttpReply::json(
        202, {{"success", true},
              {"jobId", job->id},
              {"queuedCount", queued},
              {"committedCount", committed},
              {"estimatedCompletionTime",
               model::toIsoUtc(QDateTime::currentDateTimeUtc().addSecs(seconds)).toStdString()}});
}

HttpReply SyncRoutes::syncStatus(const ApiCall& call) const
{
    if (auto allowed = call.allowOnly({u"organizationId", u"status", u"startDate", u"endDate"});
        !allowed)
        return HttpReply::fromError(allowed.error());
    auto organizationId = call.queryId(u"organizationId"_s);
    auto since = call.queryDate(u"startDate"_s);
    auto until = call.queryDate(u"endDate"_s);
    for (const Error* error :
         {organizationId ? nullptr : &organizationId.error(), since ? nullptr : &since.error(),
          until ? nullptr : &until.error()}) {
        if (error)
            return HttpReply::fromError(*error);
    }
    const auto status = call.queryText(u"status"_s);
    static const QStringList Statuses{u"pending"_s, u"processing"_s, u"completed"_s, u"failed"_s,
                                      u"conflict"_s};
    if (status && !Statuses.contains(*status))
        return HttpReply::error(400, "INVALID_INPUT"_L1,
                                u"must be one of %1"_s.arg(Statuses.join(u", "_s)), u"status"_s);
    const Principal& caller = call.caller();
    if (*organizationId) {
        if (auto access = requireOrganization(caller, **organizationId, std::nullopt); !access)
            return HttpReply::fromError(access.error());
    } else if (!caller.user.isAdmin) {
        return HttpReply::error(400, "INVALID_INPUT"_L1,
                                u"is required (only administrators see every organization)"_s,
                                u"organizationId"_s);
    }
    auto connection = m_database.connection();
    if (!connection)
        return HttpReply::fromError(connection.error());
    auto summary =
        db::SyncStatusRepository(*connection)
            .summary({.organizationId = *organizationId, .since = *since, .until = *until});
    if (!summary)
        return HttpReply::fromError(summary.error());
    const QDateTime now = QDateTime::currentDateTimeUtc();
    nlohmann::json body = {
        {"success", true},
        {"totalQueued", summary->pending},
        {"processing", summary->processing},
        {"completed", summary->completed},
        {"failed", summary->failed},
        {"conflicts", summary->conflicts},
        {"autoMerged", summary->autoMerged},
        {"avgSyncTime", summary->averageSyncTime ? nlohmann::json(summary->averageSyncTime->count())
                                                 : nlohmann::json()},
        {"lastSyncAt", isoOrNull(summary->lastSyncAt)},
        {"nextSyncAt", model::toIsoUtc(m_config.schedule.nextAfter(now)).toStdString()},
        {"oldestPendingAt", isoOrNull(summary->oldestOpenAt)},
        {"health", health().toStdString()}};
    if (status) {
        const std::map<QString, qint64> counts{{u"pending"_s, summary->pending},
                                               {u"processing"_s, summary->processing},
                                               {u"completed"_s, summary->completed},
                                               {u"failed"_s, summary->failed},
                                               {u"conflict"_s, summary->conflicts}};
        body["status"] = status->toStdString();
        body["count"] = counts.at(*status);
    }
    return HttpReply::json(200, body);
}

QString SyncRoutes::health() const
{
    if (!m_engine)
        return u"unknown"_s; // the worker runs elsewhere
    if (!m_engine->isRunning())
        return u"unhealthy"_s;
    const qint64 beat = m_engine->metrics()->heartbeatMs.load();
    const qint64 age = QDateTime::currentMSecsSinceEpoch() - beat;
    return beat > 0 && age < HeartbeatStaleMs ? u"healthy"_s : u"degraded"_s;
}

HttpReply SyncRoutes::pause(const ApiCall& call)
{
    auto body = call.jsonObject();
    if (!body)
        return HttpReply::fromError(body.error());
    if (auto keys = onlyKeys(*body, {"organizationId", "reason"}); !keys)
        return HttpReply::fromError(keys.error());
    const auto reason = body->find("reason");
    if (reason == body->end() || !reason->is_string() || reason->get<std::string>().empty() ||
        reason->get<std::string>().size() > 2000)
        return HttpReply::error(400, "INVALID_INPUT"_L1,
                                u"a reason of 1 to 2000 characters is required"_s, u"reason"_s);
    const auto scope = switchScope(call, *body, u"pausing"_s);
    if (!scope)
        return HttpReply::fromError(scope.error());
    const std::optional<qint64> organizationId = *scope;
    auto connection = m_database.connection();
    if (!connection)
        return HttpReply::fromError(connection.error());
    const QString text = QString::fromStdString(reason->get<std::string>());
    auto paused = sync::pauseWrites(*connection, organizationId, text, call.caller().user.email);
    if (!paused)
        return HttpReply::fromError(paused.error());
    return HttpReply::json(
        200,
        {{"success", true}, {"paused", true}, {"organizationId", model::jsonOf(organizationId)}});
}

HttpReply SyncRoutes::resume(const ApiCall& call)
{
    auto body = call.jsonObject();
    if (!body)
        return HttpReply::fromError(body.error());
    if (auto keys = onlyKeys(*body, {"organizationId"}); !keys)
        return HttpReply::fromError(keys.error());
    const auto scope = switchScope(call, *body, u"resuming"_s);
    if (!scope)
        return HttpReply::fromError(scope.error());
    const std::optional<qint64> organizationId = *scope;
    auto connection = m_database.connection();
    if (!connection)
        return HttpReply::fromError(connection.error());
    auto resumed = sync::resumeWrites(*connection, organizationId, call.caller().user.email);
    if (!resumed)
        return HttpReply::fromError(resumed.error());
    return HttpReply::json(
        200,
        {{"success", true}, {"paused", false}, {"organizationId", model::jsonOf(organizationId)}});
}

} // namespace pfa::server
