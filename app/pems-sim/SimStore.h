#pragma once

#include "ChangeMeta.h"
#include "ListCursor.h"
#include "ListPage.h"
#include "SimRecord.h"
#include "WriteOutcome.h"

#include "model/Error.h"
#include "model/FieldValue.h"

#include <QString>

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <unordered_map>
#include <unordered_set>

namespace pfa::sim {

class SimClock;

// The records PEMS holds, per organization: versions with optimistic locking, full history as
// per-version deltas, tombstones, and a change feed ordered by (updatedAt, change sequence) for
// the list endpoint. Single-threaded: the server calls it from its one event loop.
class SimStore final
{
public:
    explicit SimStore(SimClock& clock);
    SimStore(const SimStore&) = delete;
    SimStore& operator=(const SimStore&) = delete;

    // A new record at version 1 (seed files, generated data). InvalidInput for a missing key
    // field, Validation for a broken rule, Conflict when the record exists.
    [[nodiscard]] Expected<void> create(model::FieldMap data, const ChangeMeta& meta);

    // The record, tombstones included; nullptr when it never existed.
    [[nodiscard]] const SimRecord* find(const QString& organizationCode,
                                        const QString& pfaId) const;

    // PUT: the version must be the current one; the merged record must pass the Validator.
    [[nodiscard]] WriteOutcome update(const QString& organizationCode, const QString& pfaId,
                                      qint64 expectedVersion, const model::FieldMap& changes,
                                      const ChangeMeta& meta);
    // DELETE: makes a tombstone (a new version). Without expectedVersion (the admin API) there is
    // no version check.
    [[nodiscard]] WriteOutcome remove(const QString& organizationCode, const QString& pfaId,
                                      std::optional<qint64> expectedVersion,
                                      const ChangeMeta& meta);
    // An edit "from the PEMS side": no version check; creates the record (or revives a
    // tombstone) when needed, in which case the changes must make a valid record on their own.
    [[nodiscard]] WriteOutcome upsert(const QString& organizationCode, const QString& pfaId,
                                      const model::FieldMap& changes, const ChangeMeta& meta);

    [[nodiscard]] ListPage list(const QString& organizationCode, std::optional<qint64> sinceMs,
                                std::optional<ListCursor> after, int limit) const;

    // The last change sequence number handed out; grows with every change.
    [[nodiscard]] quint64 sequence() const { return m_sequence; }
    [[nodiscard]] std::size_t recordCount() const;
    void forEach(const std::function<void(const SimRecord&)>& visit) const;

    // Snapshot restore: puts a record back exactly as it was saved.
    [[nodiscard]] Expected<void> restore(SimRecord record);
    void restoreSequence(quint64 sequence);

private:
    struct Organization
    {
        std::unordered_map<QString, std::unique_ptr<SimRecord>> records;
        std::map<ListCursor, SimRecord*> feed;
    };

    [[nodiscard]] SimRecord* findMutable(const QString& organizationCode, const QString& pfaId);
    [[nodiscard]] static WriteOutcome conflict(const SimRecord& record, qint64 expectedVersion);
    // Applies the changes that differ from the record's data as one new version.
    void commit(SimRecord& record, const model::FieldMap& changes, bool deleted,
                const ChangeMeta& meta);
    [[nodiscard]] static WriteOutcome applied(const SimRecord& record);
    // modifiedBy and changeReason repeat a lot (one user, one reason per batch): history entries
    // share one copy of each text instead of keeping their own.
    [[nodiscard]] QString intern(const QString& text);

    SimClock& m_clock;
    std::unordered_map<QString, Organization> m_organizations;
    quint64 m_sequence = 0;
    std::unordered_set<QString> m_texts;
};

} // namespace pfa::sim
