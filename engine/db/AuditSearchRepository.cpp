#include "db/AuditSearchRepository.h"

#include "db/Sql.h"

#include <QStringList>

using namespace Qt::StringLiterals;

namespace pfa::db {

namespace {
// An empty QString binds as NULL, hence the COALESCE on the text filters.
const QString Where =
    u" WHERE (organization_id = ANY(CAST(:orgs AS bigint[]))"
    "        OR (CAST(:global AS boolean) AND organization_id IS NULL))"
    "   AND (COALESCE(CAST(:actor AS text), '') = '' OR actor = CAST(:actor2 AS text))"
    "   AND (COALESCE(CAST(:action AS text), '') = '' OR action = CAST(:action2 AS text))"
    "   AND (CAST(:from AS timestamptz) IS NULL OR at >= CAST(:from2 AS timestamptz))"
    "   AND (CAST(:to AS timestamptz) IS NULL OR at < CAST(:to2 AS timestamptz))"_s;
} // namespace

AuditSearchRepository::AuditSearchRepository(QSqlDatabase db)
    : m_db(std::move(db))
{}

Expected<AuditPage> AuditSearchRepository::search(const AuditSearch& search) const
{
    QStringList ids;
    for (const qint64 id : search.organizationIds)
        ids.append(QString::number(id));
    const QString organizations = u"{"_s + ids.join(u',') + u"}"_s;
#define PFA_AUDIT_SEARCH_PARAMS                                                                    \
    {"orgs"_L1, organizations}, {"global"_L1, search.withoutOrganization},                         \
        {"actor"_L1, search.actor}, {"actor2"_L1, search.actor}, {"action"_L1, search.action},     \
        {"action2"_L1, search.action}, {"from"_L1, nullableDateTime(search.from)},                 \
        {"from2"_L1, nullableDateTime(search.from)}, {"to"_L1, nullableDateTime(search.to)},       \
    {                                                                                              \
        "to2"_L1, nullableDateTime(search.to)                                                      \
    }
    auto query = runQuery(
        m_db, u"search the audit log",
        u"SELECT id, at, actor, action, organization_id, entity, entity_id,"
        " before::text, after::text, details::text FROM audit_log"_s +
            Where + u" ORDER BY id DESC LIMIT :limit OFFSET :offset"_s,
        {PFA_AUDIT_SEARCH_PARAMS, {"limit"_L1, search.limit}, {"offset"_L1, search.offset}});
    if (!query)
        return std::unexpected(query.error());
    AuditPage page;
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
        page.entries.push_back(std::move(entry));
    }
    auto counted = runQuery(m_db, u"count the audit log",
                            u"SELECT count(*) FROM audit_log"_s + Where, {PFA_AUDIT_SEARCH_PARAMS});
#undef PFA_AUDIT_SEARCH_PARAMS
    if (!counted)
        return std::unexpected(counted.error());
    counted->next();
    page.total = counted->value(0).toLongLong();
    return page;
}

} // namespace pfa::db
