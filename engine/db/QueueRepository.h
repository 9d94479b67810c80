#pragma once

#include "model/Error.h"
#include "model/QueueItem.h"
#include "model/QueueStatus.h"

#include <QSqlDatabase>

#include <chrono>
#include <map>
#include <optional>
#include <vector>

namespace pfa::db {

struct NewQueueItem
{
    qint64 modificationId = 0;
    qint64 organizationId = 0;
    QString pfaId;
    model::Operation operation = model::Operation::Update;
    nlohmann::json payload;
    int priority = 0;
    int maxRetries = 3;
    std::optional<qint64> jobId;
};

// What page() lists. Every field narrows the match; the values are bound, never spliced.
struct QueueFilter
{
    std::vector<qint64> organizationIds; // required: an empty list matches nothing
    std::optional<model::QueueStatus> status;
    QString pfaId;                // "" = any record
    bool deadLettersOnly = false; // only what deadLetters() lists (failed, conflicts aside)
    bool newestFirst = true;      // by id; false = oldest first, as deadLetters() orders
    int limit = 100;
    int offset = 0;
};

// A queue item with how many attempts it has made (pfa_sync_attempt rows, across redrives).
struct QueueEntry
{
    model::QueueItem item;
    qint64 attemptCount = 0;
};

struct QueuePage
{
    std::vector<QueueEntry> entries;
    qint64 total = 0; // every match, not only this page
};

// pfa_write_queue: the outbox the worker drains.
class QueueRepository final
{
public:
    explicit QueueRepository(QSqlDatabase db);

    [[nodiscard]] Expected<model::QueueItem> enqueue(const NewQueueItem& item) const;

    // Claims up to `limit` due items with a lease, skipping rows other workers hold. Only the
    // oldest open item of each record is claimable, so one record's modifications reach PEMS in
    // commit order and an item held by a conflict or dead letter blocks only its own record.
    [[nodiscard]] Expected<std::vector<model::QueueItem>> claim(const QString& workerId, int limit,
                                                                std::chrono::seconds lease) const;
    // Puts items whose lease ran out (their worker died) back to pending; returns how many.
    [[nodiscard]] Expected<int> reclaimExpiredLeases() const;

    [[nodiscard]] Expected<model::QueueItem> find(qint64 id) const;
    // The organization of each of `ids` that exists (ids that do not are absent from the map),
    // in one query, so a bulk request can be checked before anything is locked.
    [[nodiscard]] Expected<std::map<qint64, qint64>>
    organizationsOf(const std::vector<qint64>& ids) const;
    // A filtered page of the queue with each item's attempt count, and the total of matches.
    [[nodiscard]] Expected<QueuePage> page(const QueueFilter& filter) const;

    // After a conflict's resolution: the modification's failed item goes back to the queue as a
    // new request (new Idempotency-Key, retries reset, `payload` = the delta to send now).
    [[nodiscard]] Expected<model::QueueItem> requeueResolved(qint64 modificationId,
                                                             const nlohmann::json& payload) const;
    // Dead letters: failed items other than conflicts (those are resolved, not retried), oldest
    // first, optionally of one organization and one failure class.
    [[nodiscard]] Expected<std::vector<model::QueueItem>>
    deadLetters(std::optional<qint64> organizationId,
                std::optional<model::FailureClass> failureClass) const;
    // Locks a dead letter for the caller's transaction (NotFound or Conflict when it is none).
    [[nodiscard]] Expected<model::QueueItem> lockDeadLetter(qint64 id) const;
    // Redrive: the dead letter goes back to the queue under a new Idempotency-Key with its
    // retries reset, flagged to have its record re-read from PEMS before it is decided again.
    [[nodiscard]] Expected<model::QueueItem> redrive(qint64 id) const;
    // Closes the modification's failed item without sending it (its change was dropped), so the
    // record's later items may go.
    [[nodiscard]] Expected<model::QueueItem> closeUnsent(qint64 modificationId,
                                                         const QString& reason) const;
    [[nodiscard]] Expected<std::map<model::QueueStatus, qint64>>
    countsByStatus(std::optional<qint64> organizationId) const;

    // The candidate selection of claim(), exposed so tests can EXPLAIN exactly what runs.
    [[nodiscard]] static QString claimCandidatesSql();

private:
    QSqlDatabase m_db;
};

} // namespace pfa::db
