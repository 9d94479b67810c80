#include "db/AuditRepository.h"

#include "db/Sql.h"

using namespace Qt::StringLiterals;

namespace pfa::db {

AuditRepository::AuditRepository(QSqlDatabase db)
    : m_db(std::move(db))
{}

Expected<qint64> AuditRepository::append(const model::AuditEntry& entry) const
{
    auto query = runQuery(
        m_db, u"write the audit log",
        u"INSERT INTO audit_log (actor, action, organization_id, entity, entity_id, before, after,"
        " details) VALUES (:actor, :action, :org, :entity, :entityId, CAST(:before AS jsonb),"
        " CAST(:after AS jsonb), CAST(:details AS jsonb)) RETURNING id"_s,
        {{"actor"_L1, entry.actor},
         {"action"_L1, entry.action},
         {"org"_L1, nullableInt(entry.organizationId)},
         {"entity"_L1, entry.entity},
         {"entityId"_L1, entry.entityId},
         {"before"_L1, entry.before.is_null() ? QVariant(QMetaType(QMetaType::QString))
                                              : QVariant(jsonText(entry.before))},
         {"after"_L1, entry.after.is_null() ? QVariant(QMetaType(QMetaType::QString))
                                            : QVariant(jsonText(entry.after))},
         {"details"_L1,
          jsonText(entry.details.is_null() ? nlohmann::json::object() : entry.details)}});
    if (!query)
        return std::unexpected(query.error());
    query->next();
    return query->value(0).toLongLong();
}

Expected<std::vector<model::AuditEntry>> AuditRepository::list(const AuditFilter& filter) const
{
    // Fixed SQL; absent filters are bound as NULL and switch their clause off. An unset QString
    // binds as NULL too (not ''), hence the COALESCE on the text filters.
    auto query = runQuery(
        m_db, u"read the audit log",
        u"SELECT id, at, actor, action, organization_id, entity, entity_id, before::text,"
        " after::text, details::text FROM audit_log"
        " WHERE (CAST(:org AS bigint) IS NULL OR organization_id = CAST(:org2 AS bigint))"
        "   AND (COALESCE(CAST(:entity AS text), '') = '' OR entity = CAST(:entity2 AS text))"
        "   AND (COALESCE(CAST(:entityId AS text), '') = ''"
        "        OR entity_id = CAST(:entityId2 AS text))"
        "   AND (COALESCE(CAST(:action AS text), '') = '' OR action = CAST(:action2 AS text))"
        "   AND (CAST(:before AS bigint) IS NULL OR id < CAST(:before2 AS bigint))"
        " ORDER BY id DESC LIMIT :limit"_s,
        {{"org"_L1, nullableInt(filter.organizationId)},
         {"org2"_L1, nullableInt(filter.organizationId)},
         {"entity"_L1, filter.entity},
         {"entity2"_L1, filter.entity},
         {"entityId"_L1, filter.entityId},
         {"entityId2"_L1, filter.entityId},
         {"action"_L1, filter.action},
         {"action2"_L1, filter.action},
         {"before"_L1, nullableInt(filter.beforeId)},
         {"before2"_L1, nullableInt(filter.beforeId)},
         {"limit"_L1, std::clamp(filter.limit, 1, 1000)}});
    if (!query)
        return std::unexpected(query.error());
    std::vector<model::AuditEntry> entries;
    while (query->next()) {
        model::AuditEntry entry;
        entry.id = query->value(0).toLongLong();
        entry.at = utc(query->value(1));
        entry.actor = query->value(2).toString();
        entry.action = query->value(3).toString();
        entry.organizationId = optionalInt(query->value(4));
        entry.entity = query->value(5).toString();
        entry.entityId = query->value(6).toString();
        for (auto [column, target] : {std::pair{7, &entry.before}, std::pair{8, &entry.after},
                                      std::pair{9, &entry.details}}) {
            auto json = jsonColumn(query->value(column), u"audit_log");
            if (!json)
                return std::unexpected(json.error());
            *target = std::move(*json);
        }
        entries.push_back(std::move(entry));
    }
    return entries;
}

} // namespace pfa::db
