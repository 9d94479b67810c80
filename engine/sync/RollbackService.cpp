#include "sync/RollbackService.h"

#include "db/AuditRepository.h"
#include "db/JobRepository.h"
#include "db/MirrorRepository.h"
#include "db/ModificationRepository.h"
#include "db/RollbackRepository.h"
#include "db/Transaction.h"
#include "model/Validator.h"
#include "sync/Authorization.h"
#include "sync/SyncLog.h"

#include <QStringList>

#include <algorithm>

using namespace Qt::StringLiterals;

namespace pfa::sync {

namespace {

const QString Action = u"roll changes back"_s;

model::FieldMap deltaOf(const model::RollbackPlan& plan)
{
    model::FieldMap delta;
    for (const auto& change : plan.changes)
        delta[change.field] = change.after;
    return delta;
}

Expected<void> requireReason(const QString& reason)
{
    if (reason.trimmed().isEmpty())
        return fail(ErrorCode::InvalidInput, u"a rollback needs a reason"_s, u"reason"_s);
    return {};
}

// The record as the mirror holds it, refused when it is gone or a tombstone.
Expected<model::MirrorRecord> liveRecord(const QSqlDatabase& db, qint64 organizationId,
                                         const QString& pfaId)
{
    auto mirrored = db::MirrorRepository(db).find(organizationId, pfaId);
    if (!mirrored)
        return std::unexpected(mirrored.error());
    if (!*mirrored)
        return fail(ErrorCode::NotFound,
                    u"record %1 does not exist in organization %2"_s.arg(pfaId).arg(organizationId),
                    u"pfaId"_s);
    auto deleted = db::RollbackRepository(db).isTombstone(organizationId, pfaId);
    if (!deleted)
        return std::unexpected(deleted.error());
    if (*deleted)
        return fail(ErrorCode::Conflict,
                    u"%1 was deleted in PEMS; a deleted record cannot be rolled back (PEMS has "
                    "no way to restore it)"_s.arg(pfaId),
                    u"pfaId"_s);
    return std::move(**mirrored);
}

Expected<model::MirrorHistoryEntry> historyEntry(const QSqlDatabase& db,
                                                 const model::MirrorRecord& record, qint64 version)
{
    auto history = db::MirrorRepository(db).history(record.id);
    if (!history)
        return std::unexpected(history.error());
    const auto found = std::ranges::find(*history, version, &model::MirrorHistoryEntry::version);
    if (found == history->end()) {
        QStringList versions;
        for (const auto& entry : *history)
            versions << QString::number(entry.version);
        return fail(ErrorCode::NotFound,
                    u"version %1 is not in the history of %2 (it has %3)"_s.arg(version).arg(
                        record.pfaId, versions.join(u", "_s)),
                    u"toVersion"_s);
    }
    return *found;
}

// The changes must make a valid record: the rules may have changed since the old version.
Expected<void> validate(const model::MirrorRecord& record, const model::RollbackPlan& plan)
{
    if (auto valid = model::Validator::check(record.data, deltaOf(plan)); !valid) {
        Error error = valid.error();
        error.message = u"restoring version %1 of %2 breaks a rule: %3"_s.arg(plan.toVersion)
                            .arg(plan.pfaId, error.message);
        return std::unexpected(error);
    }
    return {};
}

} // namespace

RollbackService::RollbackService(QSqlDatabase db)
    : m_db(std::move(db))
{}

Expected<model::RollbackPlan>
RollbackService::planRecord(qint64 organizationId, const QString& pfaId, qint64 toVersion) const
{
    auto record = liveRecord(m_db, organizationId, pfaId);
    if (!record)
        return std::unexpected(record.error());
    if (toVersion == record->version)
        return fail(ErrorCode::InvalidInput,
                    u"%1 is at version %2 already; there is nothing to roll back"_s.arg(pfaId).arg(
                        toVersion),
                    u"toVersion"_s);
    auto target = historyEntry(m_db, *record, toVersion);
    if (!target)
        return std::unexpected(target.error());
    model::RollbackPlan plan{.organizationId = organizationId,
                             .pfaId = pfaId,
                             .fromVersion = record->version,
                             .toVersion = toVersion,
                             .changes = model::diffFields(record->data, target->data)};
    if (plan.changes.empty())
        return fail(ErrorCode::InvalidInput,
                    u"version %1 of %2 holds the values it holds now; there is nothing to roll "
                    "back"_s.arg(toVersion)
                        .arg(pfaId),
                    u"toVersion"_s);
    if (auto valid = validate(*record, plan); !valid)
        return std::unexpected(valid.error());
    return plan;
}

Expected<std::vector<model::RollbackPlan>> RollbackService::planJob(qint64 jobId) const
{
    auto job = db::JobRepository(m_db).find(jobId);
    if (!job)
        return std::unexpected(job.error());
    auto applied = db::RollbackRepository(m_db).appliedByJob(jobId);
    if (!applied)
        return std::unexpected(applied.error());
    if (applied->empty())
        return fail(
            ErrorCode::InvalidInput,
            u"sync job %1 applied nothing to PEMS; there is nothing to roll back"_s.arg(jobId),
            u"jobId"_s);
    std::vector<model::RollbackPlan> plans;
    for (const db::JobRecordChange& change : *applied) {
        if (change.deleted)
            return fail(ErrorCode::Conflict,
                        u"sync job %1 deleted %2; a deletion cannot be rolled back (PEMS has no "
                        "way to restore a record)"_s.arg(jobId)
                            .arg(change.pfaId),
                        u"pfaId"_s);
        auto record = liveRecord(m_db, job->organizationId, change.pfaId);
        if (!record)
            return std::unexpected(record.error());
        if (!change.preJobVersion)
            return fail(
                ErrorCode::Conflict,
                u"the mirror holds no version of %1 from before sync job %2"_s.arg(change.pfaId)
                    .arg(jobId),
                u"pfaId"_s);
        auto before = historyEntry(m_db, *record, *change.preJobVersion);
        if (!before)
            return std::unexpected(before.error());
        model::RollbackPlan plan{.organizationId = job->organizationId,
                                 .pfaId = change.pfaId,
                                 .fromVersion = record->version,
                                 .toVersion = *change.preJobVersion,
                                 .changedSinceJob = record->version > change.lastVersion};
        for (const model::PfaField field : change.fields) {
            model::FieldValue now = model::valueOf(record->data, field);
            model::FieldValue then = model::valueOf(before->data, field);
            if (now != then)
                plan.changes.push_back({field, std::move(now), std::move(then)});
        }
        std::ranges::sort(plan.changes, {}, &model::FieldChange::field);
        if (plan.changes.empty())
            continue; // already back at its pre-job values
        if (auto valid = validate(*record, plan); !valid)
            return std::unexpected(valid.error());
        plans.push_back(std::move(plan));
    }
    if (plans.empty())
        return fail(ErrorCode::InvalidInput,
                    u"every record sync job %1 changed holds its values from before the job "
                    "again; there is nothing to roll back"_s.arg(jobId),
                    u"jobId"_s);
    return plans;
}

Expected<model::RollbackPlan> RollbackService::previewRecord(qint64 organizationId,
                                                             const QString& pfaId, qint64 toVersion,
                                                             qint64 userId) const
{
    if (auto user = authorizeAdmin(m_db, userId, Action); !user)
        return std::unexpected(user.error());
    return planRecord(organizationId, pfaId, toVersion);
}

Expected<RollbackResult> RollbackService::rollbackRecord(const RecordRollback& request,
                                                         qint64 userId) const
{
    auto user = authorizeAdmin(m_db, userId, Action);
    if (!user)
        return std::unexpected(user.error());
    if (auto reason = requireReason(request.reason); !reason)
        return std::unexpected(reason.error());
    auto transaction = db::Transaction::begin(m_db);
    if (!transaction)
        return std::unexpected(transaction.error());
    auto plan = planRecord(request.organizationId, request.pfaId, request.toVersion);
    if (!plan)
        return std::unexpected(plan.error());
    if (request.expectedFromVersion && *request.expectedFromVersion != plan->fromVersion)
        return fail(ErrorCode::Conflict,
                    u"%1 moved from version %2 to %3 since the preview; look at the rollback "
                    "again"_s.arg(request.pfaId)
                        .arg(*request.expectedFromVersion)
                        .arg(plan->fromVersion));
    auto result = queue({*plan}, request.organizationId, request.reason, *user, std::nullopt);
    if (!result)
        return result;
    if (auto committed = transaction->commit(); !committed)
        return std::unexpected(committed.error());
    qCInfo(lcSync).noquote() << user->email << "queued a rollback of" << request.pfaId
                             << "to version" << request.toVersion;
    return result;
}

Expected<std::vector<model::RollbackPlan>> RollbackService::previewJob(qint64 jobId,
                                                                       qint64 userId) const
{
    if (auto user = authorizeAdmin(m_db, userId, Action); !user)
        return std::unexpected(user.error());
    return planJob(jobId);
}

Expected<RollbackResult>
RollbackService::rollbackJob(qint64 jobId, const QString& reason, qint64 userId,
                             const std::optional<std::vector<model::RollbackPlan>>& expected) const
{
    auto user = authorizeAdmin(m_db, userId, Action);
    if (!user)
        return std::unexpected(user.error());
    if (auto given = requireReason(reason); !given)
        return std::unexpected(given.error());
    auto transaction = db::Transaction::begin(m_db);
    if (!transaction)
        return std::unexpected(transaction.error());
    auto plans = planJob(jobId);
    if (!plans)
        return std::unexpected(plans.error());
    if (expected && *expected != *plans)
        return fail(ErrorCode::Conflict,
                    u"the records of sync job %1 changed since the preview; look at the "
                    "rollback again"_s.arg(jobId));
    const qint64 organizationId = plans->front().organizationId;
    auto result = queue(*plans, organizationId, reason, *user, jobId);
    if (!result)
        return result;
    auto audited =
        db::AuditRepository(m_db).append({.actor = user->email,
                                          .action = u"sync_job.rolled_back"_s,
                                          .organizationId = organizationId,
                                          .entity = u"sync_job"_s,
                                          .entityId = QString::number(jobId),
                                          .details = {{"rollbackJobId", result->job.id},
                                                      {"records", result->records.size()},
                                                      {"reason", reason.toStdString()}}});
    if (!audited)
        return std::unexpected(audited.error());
    if (auto committed = transaction->commit(); !committed)
        return std::unexpected(committed.error());
    qCInfo(lcSync).noquote() << user->email << "queued a rollback of sync job" << jobId << "("
                             << result->records.size() << "records)";
    return result;
}

Expected<RollbackResult> RollbackService::queue(const std::vector<model::RollbackPlan>& plans,
                                                qint64 organizationId, const QString& reason,
                                                const model::User& user,
                                                std::optional<qint64> sourceJobId) const
{
    auto job = db::JobRepository(m_db).create(organizationId, model::JobTrigger::Rollback, user.id,
                                              user.email);
    if (!job)
        return std::unexpected(job.error());
    db::ModificationRepository modifications(m_db);
    RollbackResult result{.job = std::move(*job)};
    for (const model::RollbackPlan& plan : plans) {
        auto draft = modifications.saveDraft(
            {.organizationId = plan.organizationId,
             .pfaId = plan.pfaId,
             .userId = user.id,
             .delta = deltaOf(plan),
             .changeReason = u"Rollback to version %1: %2"_s.arg(plan.toVersion).arg(reason),
             .rollbackOfVersion = plan.toVersion},
            user.email);
        if (!draft)
            return std::unexpected(draft.error());
        if (draft->baseVersion != plan.fromVersion)
            return fail(ErrorCode::Conflict,
                        u"%1 moved to version %2 while the rollback was prepared; try again"_s
                            .arg(plan.pfaId)
                            .arg(draft->baseVersion));
        auto committed = modifications.commit(draft->id, user.email,
                                              {.priority = Priority, .jobId = result.job.id});
        if (!committed)
            return std::unexpected(committed.error());
        nlohmann::json details = {{"reason", reason.toStdString()},
                                  {"rollbackJobId", result.job.id},
                                  {"plan", model::toJson(plan)}};
        if (sourceJobId)
            details["sourceJobId"] = *sourceJobId;
        auto audited = db::AuditRepository(m_db).append(
            {.actor = user.email,
             .action = u"rollback.queued"_s,
             .organizationId = plan.organizationId,
             .entity = u"pfa_modification"_s,
             .entityId = QString::number(committed->modification.id),
             .before = {{"version", plan.fromVersion}},
             .after = {{"version", plan.toVersion}},
             .details = std::move(details)});
        if (!audited)
            return std::unexpected(audited.error());
        result.records.push_back({.plan = plan,
                                  .modification = std::move(committed->modification),
                                  .queueItem = std::move(committed->queueItem)});
    }
    return result;
}

} // namespace pfa::sync
