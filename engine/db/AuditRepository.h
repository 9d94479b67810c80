#pragma once

#include "model/AuditEntry.h"
#include "model/Error.h"

#include <QSqlDatabase>

#include <optional>
#include <vector>

namespace pfa::db {

struct AuditFilter
{
    std::optional<qint64> organizationId;
    QString entity;
    QString entityId;
    QString action;
    std::optional<qint64> beforeId; // keyset paging: rows older than this id
    int limit = 100;
};

// The append-only audit trail. Writes happen inside the transaction of the change they record.
class AuditRepository final
{
public:
    explicit AuditRepository(QSqlDatabase db);

    [[nodiscard]] Expected<qint64> append(const model::AuditEntry& entry) const;
    [[nodiscard]] Expected<std::vector<model::AuditEntry>> list(const AuditFilter& filter) const;

private:
    QSqlDatabase m_db;
};

} // namespace pfa::db
