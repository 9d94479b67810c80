#pragma once

#include "model/Error.h"
#include "model/FieldValue.h"

#include <QDateTime>
#include <QSqlDatabase>
#include <QStringList>

#include <nlohmann/json.hpp>

#include <optional>
#include <vector>

namespace pfa::db {

// One record of a PEMS list page, as the read path stores it.
struct PulledRecord
{
    QString pfaId;
    qint64 version = 0;
    QDateTime updatedAt;
    bool deleted = false; // a tombstone: `data` is ignored, the mirror keeps its last values
    model::FieldMap data;
};

// Where an organization's pull stands (read_sync_state); defaults when it was never pulled.
struct ReadSyncState
{
    qint64 organizationId = 0;
    std::optional<QDateTime> watermark; // the largest updatedAt stored; nullopt: from the start
    // Set while a run is under way (or died): it resumes with this updatedSince and cursor.
    std::optional<QDateTime> runSince;
    QString cursor;
    std::optional<QDateTime> runStartedAt;
    std::optional<QDateTime> lastRunAt;
    QString lastError;
    qint64 recordsPulled = 0;
};

// What storing one page did.
struct StoredPage
{
    int received = 0;
    int inserted = 0;     // records new to the mirror
    int updated = 0;      // records the mirror held at an older version
    int tombstones = 0;   // of inserted + updated: deleted in PEMS
    int staleFlagged = 0; // pending local changes whose base this page made stale
};

// A page turned into the statement's parameters (JSON rows, the keys as a text[] literal): the
// CPU-heavy half of storing a page, which needs no connection and may run on another thread.
struct PreparedPage
{
    int records = 0;
    QString rows;
    QString ids;
    std::optional<QDateTime> newest; // the largest updatedAt: the watermark after the page
};

// A pending local change whose base PEMS has moved past (pfa_modification.stale_at).
struct StaleModification
{
    qint64 modificationId = 0;
    QString pfaId;
    qint64 baseVersion = 0;
    qint64 mirrorVersion = 0;
    QDateTime staleAt;
};

// The read path's storage: the mirror upsert of a whole page in one statement, the per-page state
// (watermark and cursor) in the same transaction, and the advisory lock that lets one pull run per
// organization at a time.
class ReadSyncRepository final
{
public:
    explicit ReadSyncRepository(QSqlDatabase db);

    // Session-level advisory lock on this connection, one per organization. A session lock rather
    // than one per page transaction: it is held for the whole run without a lease to renew, and
    // it goes away with the session, so a process that dies never leaves it behind. The pages are
    // stored on this same session, so a run whose session was lost (and with it the lock) cannot
    // store anything either. Returns false when another session holds it.
    [[nodiscard]] Expected<bool> tryLock(qint64 organizationId) const;
    [[nodiscard]] Expected<void> unlock(qint64 organizationId) const;

    [[nodiscard]] Expected<ReadSyncState> state(qint64 organizationId) const;
    // A run starts (or resumes): run_started_at set, run_since kept for the cursor's sake.
    [[nodiscard]] Expected<void> beginRun(qint64 organizationId,
                                          const std::optional<QDateTime>& runSince) const;
    // Stores one page and moves the state past it, atomically: the mirror (newer versions only:
    // an older or equal one is a no-op, so pages read twice change nothing), a history row per
    // stored version with the fields it changed (source pull), stale flags with their audit rows
    // and SYNC_STALE events, the watermark (never backwards), the cursor (`nextCursor` empty: the
    // run reached the end) and a READ_SYNC event.
    //
    // `lockHolder`: the backend pid of the session holding this organization's lock (tryLock),
    // when that is another session than this one; the page is then stored only while that
    // session still holds it.
    [[nodiscard]] static PreparedPage preparePage(const std::vector<PulledRecord>& records);
    [[nodiscard]] Expected<StoredPage> storePage(qint64 organizationId, const PreparedPage& page,
                                                 const QString& nextCursor, const QString& actor,
                                                 std::optional<qint64> lockHolder = {}) const;
    [[nodiscard]] Expected<qint64> sessionPid() const;
    // The run ended: cursor cleared, last_run_at and last_error set, a read_sync.completed (or
    // .failed) audit row with the run's figures in `details`, and a READ_SYNC event.
    [[nodiscard]] Expected<void> finishRun(qint64 organizationId, const QString& error,
                                           const nlohmann::json& details,
                                           const QString& actor) const;
    // Drops a resumable cursor (PEMS no longer accepts it): the next run starts at the watermark,
    // which loses nothing because pages come in updatedAt order.
    [[nodiscard]] Expected<void> dropCursor(qint64 organizationId) const;

    [[nodiscard]] Expected<std::vector<StaleModification>>
    staleModifications(qint64 organizationId) const;

private:
    QSqlDatabase m_db;
};

} // namespace pfa::db
