#pragma once

#include "model/Conflict.h"
#include "model/Error.h"

#include <QSqlDatabase>

#include <vector>

namespace pfa::db {

// pfa_sync_conflict: base, local and PEMS data side by side for the fields both sides changed.
class ConflictRepository final
{
public:
    explicit ConflictRepository(QSqlDatabase db);

    // Stores a new conflict (status, resolution fields of `conflict` are ignored) and audits it.
    [[nodiscard]] Expected<model::Conflict> create(const model::Conflict& conflict,
                                                   const QString& actor) const;
    [[nodiscard]] Expected<model::Conflict> find(qint64 id) const;
    [[nodiscard]] Expected<std::vector<model::Conflict>> unresolved(qint64 organizationId) const;

private:
    [[nodiscard]] Expected<std::vector<model::Conflict>> select(const QString& where,
                                                                const QVariant& value) const;
    QSqlDatabase m_db;
};

} // namespace pfa::db
