#pragma once

#include "model/Error.h"

#include <QDateTime>
#include <QSqlDatabase>
#include <map>
#include <optional>

namespace pfa::db {

struct PauseState
{
    std::optional<QString> allReason;              // set: the whole write path is paused
    std::map<qint64, QString> organizationReasons; // paused organizations and why
};

// The pause switches of the write path, kept in the database so every worker process obeys them
// (the claim query skips paused organizations). Each switch is audited.
class WritePauseRepository final
{
public:
    explicit WritePauseRepository(QSqlDatabase db);

    [[nodiscard]] Expected<void> pauseOrganization(qint64 organizationId, const QString& reason,
                                                   const QString& actor) const;
    [[nodiscard]] Expected<void> resumeOrganization(qint64 organizationId,
                                                    const QString& actor) const;
    [[nodiscard]] Expected<void> pauseAll(const QString& reason, const QString& actor) const;
    [[nodiscard]] Expected<void> resumeAll(const QString& actor) const;
    [[nodiscard]] Expected<PauseState> state() const;

private:
    QSqlDatabase m_db;
};

} // namespace pfa::db
