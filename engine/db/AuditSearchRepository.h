#pragma once

#include "model/AuditEntry.h"
#include "model/Error.h"

#include <QDateTime>
#include <QSqlDatabase>
#include <QString>

#include <optional>
#include <vector>

namespace pfa::db {

struct AuditSearch
{
    std::vector<qint64> organizationIds; // entries of these organizations
    bool withoutOrganization = false;    // also entries of no organization (administrators)
    QString actor;                       // "" = any
    QString action;                      // "" = any
    std::optional<QDateTime> from;       // at or after
    std::optional<QDateTime> to;         // before
    int limit = 100;
    int offset = 0;
};

struct AuditPage
{
    std::vector<model::AuditEntry> entries; // newest first (by id, descending)
    qint64 total = 0;                       // every match, not only this page
};

// The audit trail as the service API pages it: by organization set, actor, action and time,
// with offset paging and a total (AuditRepository::list is the keyset reader the engine uses).
class AuditSearchRepository final
{
public:
    explicit AuditSearchRepository(QSqlDatabase db);

    [[nodiscard]] Expected<AuditPage> search(const AuditSearch& search) const;

private:
    QSqlDatabase m_db;
};

} // namespace pfa::db
