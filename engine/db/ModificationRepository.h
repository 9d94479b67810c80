#pragma once

#include "db/Sql.h"
#include "model/Error.h"
#include "model/FieldValue.h"
#include "model/Modification.h"
#include "model/QueueItem.h"

#include <QSqlDatabase>

#include <optional>
#include <vector>

namespace pfa::db {

struct NewDraft
{
    qint64 organizationId = 0;
    QString pfaId;
    qint64 userId = 0;
    model::Operation operation = model::Operation::Update;
    model::FieldMap delta;
    QString changeReason;
    // A rollback (RollbackService): the version whose values the delta restores. The worker
    // records the synced version with history source `rollback`; committing announces
    // ROLLBACK_QUEUED.
    std::optional<qint64> rollbackOfVersion;
};

struct CommitOptions
{
    int priority = 0;
    int maxRetries = 3;
    std::optional<qint64> jobId;
};

struct Committed
{
    model::Modification modification;
    model::QueueItem queueItem;
};

// What a transition records besides the new status.
struct TransitionChange
{
    std::optional<QString> syncError; // set (or, with an empty string, cleared)
    std::optional<qint64> pemsVersion;
    bool markSynced = false;                           // stamps synced_at
    std::optional<qint64> queueId;                     // carried by the event
    std::optional<qint64> conflictId;                  // carried by the event
    nlohmann::json details = nlohmann::json::object(); // goes to the audit row
};

// pfa_modification and its life cycle. Every state change goes through one guarded transition
// that, in a single transaction, checks the state machine, updates the row, appends the audit
// row and publishes the event — so no change can be half-recorded.
class ModificationRepository final
{
public:
    explicit ModificationRepository(QSqlDatabase db);

    // A draft records its base version (the mirror's current one). Drafts are not validated
    // against business rules yet — work in progress may be incomplete; commit validates.
    [[nodiscard]] Expected<model::Modification> saveDraft(const NewDraft& draft,
                                                          const QString& actor) const;
    [[nodiscard]] Expected<model::Modification> updateDraft(qint64 id, const model::FieldMap& delta,
                                                            const QString& changeReason,
                                                            const QString& actor) const;
    // The outbox: validation, draft → committed → queued, the queue row, audit rows and the
    // event, all in one transaction. A validation failure leaves the draft as it was.
    [[nodiscard]] Expected<Committed> commit(qint64 id, const QString& actor,
                                             const CommitOptions& options = {}) const;
    [[nodiscard]] Expected<model::Modification>
    transition(qint64 id, model::SyncStatus to, const QString& actor,
               const TransitionChange& change = {}) const;
    // A conflict's resolution replaces the change to send and the version it is based on; the
    // modification must be in conflict and locked by the caller's transaction (lock()).
    [[nodiscard]] Expected<model::Modification>
    rebaseInConflict(qint64 id, const model::FieldMap& delta, qint64 baseVersion) const;
    // Discarding needs a reason: it is the one way a modification ends without reaching PEMS.
    [[nodiscard]] Expected<model::Modification> discard(qint64 id, const QString& reason,
                                                        const QString& actor) const;

    [[nodiscard]] Expected<model::Modification> find(qint64 id) const;
    [[nodiscard]] Expected<std::vector<model::Modification>> forRecord(qint64 organizationId,
                                                                       const QString& pfaId) const;
    [[nodiscard]] Expected<std::vector<model::Modification>> drafts(qint64 organizationId) const;

    // Locks the row for the caller's transaction.
    [[nodiscard]] Expected<model::Modification> lock(qint64 id) const;

private:
    // Applies one transition to a row this transaction has locked.
    [[nodiscard]] Expected<model::Modification> apply(const model::Modification& current,
                                                      model::SyncStatus to, const QString& actor,
                                                      const TransitionChange& change) const;
    [[nodiscard]] Expected<std::vector<model::Modification>>
    select(const QString& where, std::initializer_list<SqlParam> params) const;
    QSqlDatabase m_db;
};

} // namespace pfa::db
