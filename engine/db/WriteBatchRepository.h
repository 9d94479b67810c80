#pragma once

#include "model/Error.h"
#include "model/FailureClass.h"
#include "model/FieldValue.h"
#include "model/Operation.h"
#include "model/SyncStatus.h"

#include <QDateTime>
#include <QSqlDatabase>
#include <chrono>
#include <map>
#include <optional>
#include <vector>

namespace pfa::db {

// A queue item the worker holds a lease on, with everything needed to decide about it and send
// it: its modification, the record as the mirror holds it, and who made the change.
struct ClaimedItem
{
    qint64 queueId = 0;
    qint64 modificationId = 0;
    qint64 organizationId = 0;
    QString organizationCode;
    QString pfaId;
    model::Operation operation = model::Operation::Update;
    int priority = 0;
    int retryCount = 0;
    int maxRetries = 0;
    int attemptsSoFar = 0;
    std::optional<qint64> jobId;
    QString idempotencyKey;
    QDateTime queuedAt; // when the change was committed: the start of commit → synced latency
    QDateTime scheduledAt;
    model::SyncStatus modificationStatus = model::SyncStatus::Queued;
    qint64 baseVersion = 0;
    model::FieldMap delta;
    QString changeReason;
    QString author; // the modification's user, sent to PEMS as modifiedBy
    std::optional<qint64> rollbackOfVersion;
    // Set once the item went out under its current Idempotency-Key: a retry must then repeat
    // that request exactly (same version, same coalesced items).
    std::optional<qint64> sentVersion;
    std::optional<qint64> coalescedInto; // the head it went out with
    bool refreshFirst = false;           // redriven: re-read the record before deciding
    qint64 mirrorId = 0;                 // 0: the record is not in the mirror
    qint64 mirrorVersion = 0;
    bool mirrorDeleted = false;
    model::FieldMap mirrorData;
};

// What PEMS changed in a record since a modification's base version, from the mirror's history.
struct RecordChanges
{
    std::optional<model::FieldMap> baseData; // the record at the base version, when recorded
    // Fields changed by versions after the base that this program did not write for earlier
    // modifications of the same record (those are the local side's own history).
    std::vector<model::PfaField> foreignChanges;
};

// A request PEMS applied: one row per queue item; the group's lead carries the merged delta.
struct CompletedItem
{
    qint64 queueId = 0;
    qint64 modificationId = 0;
    bool lead = false;
    int groupSize = 1;
    qint64 newVersion = 0;
    QDateTime pemsUpdatedAt;
    model::FieldMap mergedDelta; // lead only
    bool deleted = false;
    bool replayed = false;
    bool rollback = false;
    QString author;
    int attempt = 1;
    QDateTime startedAt;
    std::chrono::milliseconds duration{0};
    int httpStatus = 200;
};

// Any other outcome: back to the queue (retry, rate limit, refreshed after 409), or final
// (conflict, dead letter). `attempt` is set when a request was actually sent.
struct SettledItem
{
    qint64 queueId = 0;
    qint64 modificationId = 0;
    bool requeue = false; // pending again after `delay`; else the queue row is failed
    std::chrono::milliseconds delay{0};
    bool spendRetry = false;
    bool newIdempotencyKey = false; // after a 409: that key's answer is final
    QString error;
    std::optional<model::FailureClass> failureClass;
    model::SyncStatus modificationStatus = model::SyncStatus::Queued;
    std::optional<qint64> conflictId;
    struct Attempt
    {
        int number = 1;
        QDateTime startedAt;
        std::chrono::milliseconds duration{0};
        int httpStatus = 0; // 0: no response
        QString outcome;
    };
    std::optional<Attempt> attempt;
};

// The conflict record the detector found: base, local and PEMS data side by side.
struct ConflictRecord
{
    qint64 baseVersion = 0;
    qint64 pemsVersion = 0;
    model::FieldMap baseData;
    model::FieldMap localData;
    model::FieldMap pemsData;
    std::vector<model::PfaField> fields;
};

// The worker's reads and writes, batched: one statement claims a batch, one starts it, one
// records every success of a batch (queue, modification, mirror, history, attempt, audit, event),
// one settles every other outcome. Only rows this worker still holds a lease on are changed, so a
// worker that lost its lease (stalled past it, another took over) cannot overwrite the new owner.
class WriteBatchRepository final
{
public:
    WriteBatchRepository(QSqlDatabase db, QString workerId);

    [[nodiscard]] const QSqlDatabase& database() const { return m_db; }

    // Claims the due head item of up to `limit` records (the oldest open item of each: per-record
    // order) plus every due item queued behind it (coalescing), skipping rows other workers hold
    // and paused organizations. Items come grouped by record, each group in commit order.
    [[nodiscard]] Expected<std::vector<ClaimedItem>> claim(int limit, std::chrono::seconds lease);

    // Moves claimed items' modifications queued → syncing (audit, SYNC_STARTED) and assigns their
    // sync job. Returns the modification ids that moved; the others were no longer queued.
    struct Start
    {
        const ClaimedItem* item = nullptr;
        std::optional<qint64> jobId;
        std::optional<qint64> sendVersion;   // set when it is about to be sent
        std::optional<qint64> coalescedInto; // the group's head, for a follower
    };
    [[nodiscard]] Expected<std::vector<qint64>> start(const std::vector<Start>& items);

    [[nodiscard]] Expected<int> complete(const std::vector<CompletedItem>& items);
    [[nodiscard]] Expected<int> settle(const std::vector<SettledItem>& items);

    // Gives claimed items back untouched (their modifications are still queued).
    [[nodiscard]] Expected<int> release(const std::vector<qint64>& queueIds);
    // Gives back items whose record was re-read from PEMS before deciding (a redriven dead
    // letter); with an `error`, the re-read failed and is tried again later.
    [[nodiscard]] Expected<int> refreshed(const std::vector<qint64>& queueIds,
                                          const QString& error = {});
    // Closes queue items whose modification left the queue meanwhile (e.g. discarded).
    [[nodiscard]] Expected<int> retire(const std::vector<qint64>& queueIds, const QString& reason);

    [[nodiscard]] Expected<RecordChanges> changesSince(const ClaimedItem& item) const;
    // The modification now applies on top of `newBase`: recorded as an automatically resolved
    // conflict (resolved_auto) and audited.
    [[nodiscard]] Expected<void> rebase(const ClaimedItem& item, const ConflictRecord& record,
                                        const std::vector<model::PfaField>& identical);
    // Stores the conflict and settles the item as `conflict` in one transaction.
    [[nodiscard]] Expected<qint64> raiseConflict(const ClaimedItem& item,
                                                 const ConflictRecord& record,
                                                 std::optional<SettledItem::Attempt> attempt);

    // Expired leases (their worker died) back to pending; returns how many.
    [[nodiscard]] Expected<int> reclaimExpiredLeases();
    // Everything this worker still holds back to pending (the end of a graceful stop).
    [[nodiscard]] Expected<int> releaseHeld();
    // How long until the earliest claimable item is due; nullopt when nothing waits.
    [[nodiscard]] Expected<std::optional<std::chrono::milliseconds>> nextDue() const;
    // Deletes completed queue rows (and, with them, their attempts) older than `age`.
    [[nodiscard]] Expected<int> pruneCompleted(std::chrono::hours age);
    // Marks finished the jobs whose items are all settled.
    [[nodiscard]] Expected<int> finishSettledJobs();

private:
    QSqlDatabase m_db;
    QString m_workerId;
};

} // namespace pfa::db
