#pragma once

#include "model/Error.h"
#include "model/SyncJob.h"

#include <QSqlDatabase>

namespace pfa::db {

// sync_job: a group of queue items started together. Its status and counts are derived from its
// items, never stored, so they cannot disagree with them.
class JobRepository final
{
public:
    explicit JobRepository(QSqlDatabase db);

    [[nodiscard]] Expected<model::SyncJob> create(qint64 organizationId, model::JobTrigger trigger,
                                                  std::optional<qint64> requestedBy,
                                                  const QString& actor) const;
    [[nodiscard]] Expected<model::SyncJob> find(qint64 id) const;
    [[nodiscard]] Expected<void> markFinished(qint64 id) const;

private:
    QSqlDatabase m_db;
};

} // namespace pfa::db
