#pragma once

#include "model/Conflict.h"
#include "model/ConflictStatus.h"
#include "model/Error.h"
#include "model/Resolution.h"

#include <QSqlDatabase>

#include <optional>
#include <vector>

namespace pfa::db {

// What a conflict listing shows: some organizations, one status or all, a page.
struct ConflictFilter
{
    std::vector<qint64> organizationIds; // required: an empty list matches nothing
    std::optional<model::ConflictStatus> status;
    int limit = 100;
    int offset = 0;
};

struct ConflictPage
{
    std::vector<model::Conflict> conflicts; // newest first
    qint64 total = 0;                       // every match, not only this page
};

// pfa_sync_conflict: base, local and PEMS data side by side for the fields both sides changed.
class ConflictRepository final
{
public:
    explicit ConflictRepository(QSqlDatabase db);

    // Stores a new conflict (status, resolution fields of `conflict` are ignored) and audits it.
    [[nodiscard]] Expected<model::Conflict> create(const model::Conflict& conflict,
                                                   const QString& actor) const;
    [[nodiscard]] Expected<model::Conflict> find(qint64 id) const;
    // Locks an unresolved conflict for the caller's transaction (NotFound, or Conflict when
    // someone resolved it already).
    [[nodiscard]] Expected<model::Conflict> lockUnresolved(qint64 id) const;
    // Marks a locked conflict resolved by `userId` and audits it (before and after).
    [[nodiscard]] Expected<model::Conflict>
    markResolved(const model::Conflict& conflict, model::Resolution resolution,
                 const std::optional<model::FieldMap>& mergedData, qint64 userId,
                 const QString& actor) const;
    [[nodiscard]] Expected<std::vector<model::Conflict>> unresolved(qint64 organizationId) const;
    [[nodiscard]] Expected<ConflictPage> list(const ConflictFilter& filter) const;

private:
    [[nodiscard]] Expected<std::vector<model::Conflict>> select(const QString& where,
                                                                const QVariant& value) const;
    QSqlDatabase m_db;
};

} // namespace pfa::db
