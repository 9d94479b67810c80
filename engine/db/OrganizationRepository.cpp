#include "db/OrganizationRepository.h"

#include "db/AuditRepository.h"
#include "db/Sql.h"
#include "db/Transaction.h"

using namespace Qt::StringLiterals;

namespace pfa::db {

OrganizationRepository::OrganizationRepository(QSqlDatabase db)
    : m_db(std::move(db))
{}

Expected<model::Organization>
OrganizationRepository::create(const QString& code, const QString& name, const QString& actor) const
{
    auto transaction = Transaction::begin(m_db);
    if (!transaction)
        return std::unexpected(transaction.error());
    auto query =
        runQuery(m_db, u"create the organization",
                 u"INSERT INTO organization (code, name) VALUES (:code, :name) RETURNING id"_s,
                 {{"code"_L1, code}, {"name"_L1, name}});
    if (!query)
        return std::unexpected(query.error());
    query->next();
    const model::Organization organization{query->value(0).toLongLong(), code, name};
    auto audited = AuditRepository(m_db).append({.actor = actor,
                                                 .action = u"organization.created"_s,
                                                 .organizationId = organization.id,
                                                 .entity = u"organization"_s,
                                                 .entityId = QString::number(organization.id),
                                                 .after = model::toJson(organization)});
    if (!audited)
        return std::unexpected(audited.error());
    if (auto committed = transaction->commit(); !committed)
        return std::unexpected(committed.error());
    return organization;
}

Expected<std::vector<model::Organization>>
OrganizationRepository::select(const QString& where, const QVariant& value) const
{
    auto query =
        runQuery(m_db, u"read organizations",
                 u"SELECT id, code, name FROM organization "_s + where + u" ORDER BY code"_s,
                 {{"value"_L1, value}});
    if (!query)
        return std::unexpected(query.error());
    std::vector<model::Organization> organizations;
    while (query->next())
        organizations.push_back(
            {query->value(0).toLongLong(), query->value(1).toString(), query->value(2).toString()});
    return organizations;
}

Expected<model::Organization> OrganizationRepository::findById(qint64 id) const
{
    auto found = select(u"WHERE id = :value"_s, id);
    if (!found)
        return std::unexpected(found.error());
    if (found->empty())
        return fail(ErrorCode::NotFound, u"organization %1 does not exist"_s.arg(id));
    return found->front();
}

Expected<model::Organization> OrganizationRepository::findByCode(const QString& code) const
{
    auto found = select(u"WHERE code = :value"_s, code);
    if (!found)
        return std::unexpected(found.error());
    if (found->empty())
        return fail(ErrorCode::NotFound, u"organization %1 does not exist"_s.arg(code));
    return found->front();
}

Expected<std::vector<model::Organization>> OrganizationRepository::list() const
{
    return select(u"WHERE CAST(:value AS boolean)"_s, true);
}

} // namespace pfa::db
