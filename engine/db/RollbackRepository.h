#pragma once

#include "model/Error.h"
#include "model/PfaField.h"

#include <QSqlDatabase>
#include <QString>

#include <optional>
#include <vector>

namespace pfa::db {

// One record a sync job changed in PEMS: which of its versions the job wrote and the mirror
// version just before the first of them (the values a job rollback restores).
struct JobRecordChange
{
    QString pfaId;
    qint64 firstVersion = 0;             // the first version the job's changes produced
    qint64 lastVersion = 0;              // the last one
    std::optional<qint64> preJobVersion; // the newest mirror version older than firstVersion
    std::vector<model::PfaField> fields; // every field the job's changes of it set
    bool deleted = false;                // the job deleted it (a DELETE synced)
};

// The reads RollbackService needs beyond the mirror's own: what a job applied, whether a record
// is a tombstone.
class RollbackRepository final
{
public:
    explicit RollbackRepository(QSqlDatabase db);

    // The records whose modifications in `jobId` were synced, by pfa_id.
    [[nodiscard]] Expected<std::vector<JobRecordChange>> appliedByJob(qint64 jobId) const;
    // True when the mirror holds the record as a tombstone (deleted in PEMS).
    [[nodiscard]] Expected<bool> isTombstone(qint64 organizationId, const QString& pfaId) const;

private:
    QSqlDatabase m_db;
};

} // namespace pfa::db
