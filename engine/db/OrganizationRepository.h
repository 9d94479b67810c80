#pragma once

#include "model/Error.h"
#include "model/Organization.h"

#include <QSqlDatabase>

#include <vector>

namespace pfa::db {

class OrganizationRepository final
{
public:
    explicit OrganizationRepository(QSqlDatabase db);

    [[nodiscard]] Expected<model::Organization> create(const QString& code, const QString& name,
                                                       const QString& actor) const;
    [[nodiscard]] Expected<model::Organization> findById(qint64 id) const;
    [[nodiscard]] Expected<model::Organization> findByCode(const QString& code) const;
    [[nodiscard]] Expected<std::vector<model::Organization>> list() const;

private:
    [[nodiscard]] Expected<std::vector<model::Organization>> select(const QString& where,
                                                                    const QVariant& value) const;
    QSqlDatabase m_db;
};

} // namespace pfa::db
