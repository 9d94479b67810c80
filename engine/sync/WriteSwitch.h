#pragma once

#include "model/Error.h"

#include <QSqlDatabase>

#include <optional>

namespace pfa::sync {

// The operator's pause switch of the write path, one organization or all (nullopt): stored in the
// database (audited) so every worker process sharing it obeys, and announced as a WORKER_STATE
// event so they all react at once.
[[nodiscard]] Expected<void> pauseWrites(const QSqlDatabase& db,
                                         std::optional<qint64> organizationId,
                                         const QString& reason, const QString& actor);
[[nodiscard]] Expected<void>
resumeWrites(const QSqlDatabase& db, std::optional<qint64> organizationId, const QString& actor);

} // namespace pfa::sync
