#include "server/ServiceCalls.h"

#include "model/IsoDateTime.h"
#include "model/JsonReader.h"

#include <initializer_list>
#include <string_view>

using namespace Qt::StringLiterals;

namespace pfa::server {

namespace {

// The members an answer type knows, so that JsonReader's unknown-key check only guards what this
// client reads (and "success", which every answer carries).
nlohmann::json known(const nlohmann::json& json, std::initializer_list<std::string_view> keys)
{
    nlohmann::json out = nlohmann::json::object();
    if (!json.is_object())
        return out;
    for (std::string_view key : keys) {
        if (const auto found = json.find(key); found != json.end())
            out[std::string(key)] = *found;
    }
    return out;
}

void addId(QUrlQuery& query, const QString& name, const std::optional<qint64>& value)
{
    if (value)
        query.addQueryItem(name, QString::number(*value));
}

void addText(QUrlQuery& query, const QString& name, const std::optional<QString>& value)
{
    if (value)
        query.addQueryItem(name, QString::fromLatin1(QUrl::toPercentEncoding(*value)));
}

void addDate(QUrlQuery& query, const QString& name, const std::optional<QDateTime>& value)
{
    if (value)
        // "+" of an offset would read as a space; toIsoUtc writes "Z", nothing to escape.
        query.addQueryItem(name, model::toIsoUtc(*value));
}

} // namespace

nlohmann::json WriteSyncRequest::toJson() const
{
    nlohmann::json body = {{"organizationId", organizationId}};
    if (!modificationIds.empty())
        body["modificationIds"] = modificationIds;
    if (priority)
        body["priority"] = *priority;
    return body;
}

Expected<WriteSyncAccepted> WriteSyncAccepted::fromJson(const nlohmann::json& json)
{
    const auto members =
        known(json, {"jobId", "queuedCount", "committedCount", "estimatedCompletionTime"});
    model::JsonReader reader(members, u"write-sync answer"_s);
    WriteSyncAccepted out;
    reader.read("jobId", out.jobId);
    reader.read("queuedCount", out.queuedCount);
    reader.read("committedCount", out.committedCount);
    reader.read("estimatedCompletionTime", out.estimatedCompletionTime);
    return reader.finish(std::move(out));
}

QUrlQuery SyncStatusQuery::toQuery() const
{
    QUrlQuery query;
    addId(query, u"organizationId"_s, organizationId);
    addText(query, u"status"_s, status);
    addDate(query, u"startDate"_s, startDate);
    addDate(query, u"endDate"_s, endDate);
    return query;
}

Expected<SyncStatusReport> SyncStatusReport::fromJson(const nlohmann::json& json)
{
    const auto members =
        known(json, {"totalQueued", "processing", "completed", "failed", "conflicts", "autoMerged",
                     "avgSyncTime", "lastSyncAt", "nextSyncAt", "oldestPendingAt", "health",
                     "status", "count"});
    model::JsonReader reader(members, u"sync-status answer"_s);
    SyncStatusReport out;
    reader.read("totalQueued", out.totalQueued);
    reader.read("processing", out.processing);
    reader.read("completed", out.completed);
    reader.read("failed", out.failed);
    reader.read("conflicts", out.conflicts);
    reader.read("autoMerged", out.autoMerged);
    reader.read("avgSyncTime", out.avgSyncTimeMs);
    reader.read("lastSyncAt", out.lastSyncAt);
    reader.read("nextSyncAt", out.nextSyncAt);
    reader.read("oldestPendingAt", out.oldestPendingAt);
    reader.read("health", out.health);
    reader.read("status", out.status);
    reader.read("count", out.count);
    return reader.finish(std::move(out));
}

QUrlQuery ConflictQuery::toQuery() const
{
    QUrlQuery query;
    addId(query, u"organizationId"_s, organizationId);
    addText(query, u"status"_s, status);
    if (limit)
        query.addQueryItem(u"limit"_s, QString::number(*limit));
    if (offset)
        query.addQueryItem(u"offset"_s, QString::number(*offset));
    return query;
}

Expected<ConflictPage> ConflictPage::fromJson(const nlohmann::json& json)
{
    const auto members = known(json, {"conflicts", "total"});
    model::JsonReader reader(members, u"conflicts answer"_s);
    ConflictPage out;
    nlohmann::json conflicts;
    reader.read("conflicts", conflicts);
    reader.read("total", out.total);
    auto read = reader.finish(std::move(out));
    if (!read)
        return read;
    if (!conflicts.is_array())
        return fail(ErrorCode::InvalidInput, u"must be an array"_s, u"conflicts"_s);
    for (const nlohmann::json& item : conflicts) {
        auto conflict = model::conflictFromJson(item);
        if (!conflict)
            return std::unexpected(conflict.error());
        read->conflicts.push_back(std::move(*conflict));
    }
    return read;
}

nlohmann::json ResolveRequest::toJson() const
{
    nlohmann::json body = {{"resolution", model::toWire(resolution).toStdString()}};
    if (mergedData)
        body["mergedData"] = model::fieldMapToJson(*mergedData);
    return body;
}

Expected<ResolveOutcome> ResolveOutcome::fromJson(const nlohmann::json& json)
{
    const auto members =
        known(json, {"conflictId", "resolvedAt", "appliedChanges", "modificationStatus"});
    model::JsonReader reader(members, u"resolve answer"_s);
    ResolveOutcome out;
    reader.read("conflictId", out.conflictId);
    reader.read("resolvedAt", out.resolvedAt);
    reader.read("appliedChanges", out.appliedChanges);
    reader.read("modificationStatus", out.modificationStatus);
    return reader.finish(std::move(out));
}

Expected<WorkerSwitchState> WorkerSwitchState::fromJson(const nlohmann::json& json)
{
    const auto members = known(json, {"paused", "organizationId"});
    model::JsonReader reader(members, u"worker switch answer"_s);
    WorkerSwitchState out;
    reader.read("paused", out.paused);
    reader.read("organizationId", out.organizationId);
    return reader.finish(std::move(out));
}

Expected<Liveness> Liveness::fromJson(const nlohmann::json& json)
{
    const auto members = known(json, {"status", "version"});
    model::JsonReader reader(members, u"health answer"_s);
    Liveness out;
    reader.read("status", out.status);
    reader.read("version", out.version);
    return reader.finish(std::move(out));
}

Expected<WriteSyncHealth> WriteSyncHealth::fromJson(const nlohmann::json& json)
{
    const auto members = known(json, {"status"});
    model::JsonReader reader(members, u"write-sync health answer"_s);
    QString status;
    reader.read("status", status);
    auto read = reader.finish(std::move(status));
    if (!read)
        return std::unexpected(read.error());
    return WriteSyncHealth{.healthy = *read == u"healthy", .body = json};
}

} // namespace pfa::server
