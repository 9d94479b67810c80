#pragma once

#include "model/Error.h"
#include "model/SyncAttempt.h"

#include <QSqlDatabase>

#include <vector>

namespace pfa::db {

// pfa_sync_attempt: one row per request sent for a queue item — the retry history users see.
class AttemptRepository final
{
public:
    explicit AttemptRepository(QSqlDatabase db);

    [[nodiscard]] Expected<void> record(const model::SyncAttempt& attempt) const;
    [[nodiscard]] Expected<std::vector<model::SyncAttempt>> forQueueItem(qint64 queueId) const;

private:
    QSqlDatabase m_db;
};

} // namespace pfa::db
