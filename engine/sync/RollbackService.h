#pragma once

#include "model/Error.h"
#include "model/Modification.h"
#include "model/QueueItem.h"
#include "model/RollbackPlan.h"
#include "model/SyncJob.h"
#include "model/User.h"

#include <QSqlDatabase>

#include <optional>
#include <vector>

namespace pfa::sync {

struct RecordRollback
{
    qint64 organizationId = 0;
    QString pfaId;
    qint64 toVersion = 0; // a version from the record's mirror history
    QString reason;       // required
    // The preview's fromVersion: refuse when the mirror moved since the preview was shown.
    std::optional<qint64> expectedFromVersion;
};

struct QueuedRollback
{
    model::RollbackPlan plan;
    model::Modification modification; // queued, rollback_of_version = plan.toVersion
    model::QueueItem queueItem;       // priority RollbackService::Priority
};

struct RollbackResult
{
    model::SyncJob job; // trigger `rollback`: groups the rollback's modifications
    std::vector<QueuedRollback> records;
};

// Undoes changes by moving forward (DESIGN "Rollback"): a new modification whose delta restores
// old values, based on the mirror's current version, `rollback_of_version` set, committed and
// queued at high priority under a new sync job (trigger `rollback`), audited (`rollback.queued`)
// and announced (ROLLBACK_QUEUED). Nothing is deleted. Administrators only; a reason is
// required. Two scopes, each previewable first (the same planning code runs for the preview and
// the apply, and the apply returns the plans it applied):
// - a record to any version in its mirror history: every field that differs comes back;
// - everything one sync job applied: per record whose changes in the job were synced, the
//   fields the job set get the values of the mirror version just before the job's first change
//   of that record — one modification per record, all in one transaction. A record changed
//   again after the job is still rolled back (flagged changedSinceJob); later edits of fields
//   the job did not touch are kept. Records already holding their pre-job values are left out.
// A tombstoned record (deleted in PEMS) is refused: PEMS has no way to bring it back.
class RollbackService final
{
public:
    static constexpr int Priority = 100; // ahead of ordinary changes (priority 0) in the queue

    explicit RollbackService(QSqlDatabase db);

    [[nodiscard]] Expected<model::RollbackPlan> previewRecord(qint64 organizationId,
                                                              const QString& pfaId,
                                                              qint64 toVersion,
                                                              qint64 userId) const;
    [[nodiscard]] Expected<RollbackResult> rollbackRecord(const RecordRollback& request,
                                                          qint64 userId) const;

    [[nodiscard]] Expected<std::vector<model::RollbackPlan>> previewJob(qint64 jobId,
                                                                        qint64 userId) const;
    // `expected`: the preview shown; refuse (Conflict) when the plan differs from it now.
    [[nodiscard]] Expected<RollbackResult>
    rollbackJob(qint64 jobId, const QString& reason, qint64 userId,
                const std::optional<std::vector<model::RollbackPlan>>& expected = {}) const;

private:
    [[nodiscard]] Expected<model::RollbackPlan>
    planRecord(qint64 organizationId, const QString& pfaId, qint64 toVersion) const;
    [[nodiscard]] Expected<std::vector<model::RollbackPlan>> planJob(qint64 jobId) const;
    // Inside the caller's transaction: the rollback job, one committed modification per plan,
    // their audit rows.
    [[nodiscard]] Expected<RollbackResult> queue(const std::vector<model::RollbackPlan>& plans,
                                                 qint64 organizationId, const QString& reason,
                                                 const model::User& user,
                                                 std::optional<qint64> sourceJobId) const;

    QSqlDatabase m_db;
};

} // namespace pfa::sync
