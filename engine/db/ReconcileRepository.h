#pragma once

#include "db/ReadSyncRepository.h"
#include "model/Drift.h"
#include "model/Error.h"

#include <QSqlDatabase>

#include <optional>
#include <vector>

namespace pfa::db {

// A mirror record's key and version, for finding what PEMS no longer lists.
struct MirrorKey
{
    QString pfaId;
    qint64 version = 0;
};

// Reconciliation's storage: compares a page of PEMS records with the mirror in one statement, and
// repairs one record at a time (audited).
class ReconcileRepository final
{
public:
    explicit ReconcileRepository(QSqlDatabase db);

    // The records of the page on which the mirror disagrees with PEMS (the kinds of
    // model::DriftKind except records the page does not name).
    [[nodiscard]] Expected<std::vector<model::Drift>>
    comparePage(qint64 organizationId, const std::vector<PulledRecord>& records) const;
    // Every live (not tombstoned) mirror record of the organization.
    [[nodiscard]] Expected<std::vector<MirrorKey>> liveRecords(qint64 organizationId) const;

    // Makes the mirror hold what PEMS holds now, whatever the versions: `pems` is PEMS' record
    // (nullopt: PEMS has no live record, so the mirror's becomes a tombstone). One transaction: the
    // mirror row, its history row for that version (written or corrected, source pull), and an
    // audit row `mirror.repaired` with before, after and `details`. False when nothing differed.
    [[nodiscard]] Expected<bool> repair(qint64 organizationId, const QString& pfaId,
                                        const std::optional<PulledRecord>& pems,
                                        const nlohmann::json& details, const QString& actor) const;

private:
    QSqlDatabase m_db;
};

} // namespace pfa::db
