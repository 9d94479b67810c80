#pragma once

#include "model/Error.h"
#include "model/FieldValue.h"
#include "model/HistorySource.h"
#include "model/MirrorHistoryEntry.h"
#include "model/MirrorRecord.h"

#include <QSqlDatabase>

#include <optional>
#include <vector>

namespace pfa::db {

struct MirrorWrite
{
    qint64 organizationId = 0;
    QString pfaId;
    qint64 version = 0;
    model::FieldMap data;
    std::optional<QDateTime> pemsUpdatedAt;
    model::HistorySource source = model::HistorySource::Pull;
    QString actor;
};

// The local copy of PEMS records. Every version stored is also appended to the history with the
// fields it changed, which is what conflict detection and rollback read.
class MirrorRepository final
{
public:
    explicit MirrorRepository(QSqlDatabase db);

    // Stores a version newer than the one held; an older or equal version is a no-op that returns
    // what is held (PEMS pages can overlap, and a late pull must not move the mirror backwards).
    [[nodiscard]] Expected<model::MirrorRecord> store(const MirrorWrite& write) const;
    [[nodiscard]] Expected<std::optional<model::MirrorRecord>> find(qint64 organizationId,
                                                                    const QString& pfaId) const;
    [[nodiscard]] Expected<std::vector<model::MirrorHistoryEntry>> history(qint64 mirrorId) const;
    // Every record of the organization, by pfa_id (for tools and demos: the console pages).
    [[nodiscard]] Expected<std::vector<model::MirrorRecord>> records(qint64 organizationId) const;
    [[nodiscard]] Expected<qint64> count(qint64 organizationId) const;

private:
    [[nodiscard]] Expected<void> appendHistory(qint64 mirrorId, const MirrorWrite& write,
                                               const std::vector<model::PfaField>& changed) const;
    QSqlDatabase m_db;
};

} // namespace pfa::db
