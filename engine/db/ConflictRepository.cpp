#include "db/ConflictRepository.h"

#include "db/AuditRepository.h"
#include "db/Sql.h"
#include "db/Transaction.h"

using namespace Qt::StringLiterals;

namespace pfa::db {

namespace {

const QString Columns =
    u"id, organization_id, pfa_id, modification_id, local_version, pems_version, base_data::text,"
    " local_data::text, pems_data::text, conflict_fields::text, status, resolution,"
    " merged_data::text, resolved_by, resolved_at, created_at"_s;

Expected<model::FieldMap> fieldMapColumn(const QSqlQuery& row, int column, QStringView name)
{
    auto json = jsonColumn(row.value(column), name);
    if (!json)
        return std::unexpected(json.error());
    return model::fieldMapFromJson(*json);
}

Expected<model::Conflict> conflictFromRow(const QSqlQuery& row)
{
    auto base = fieldMapColumn(row, 6, u"base_data");
    auto local = fieldMapColumn(row, 7, u"local_data");
    auto pems = fieldMapColumn(row, 8, u"pems_data");
    auto fields = jsonColumn(row.value(9), u"conflict_fields");
    for (const Error* error :
         {base ? nullptr : &base.error(), local ? nullptr : &local.error(),
          pems ? nullptr : &pems.error(), fields ? nullptr : &fields.error()}) {
        if (error)
            return std::unexpected(*error);
    }
    std::vector<model::PfaField> conflictFields;
    for (const auto& name : *fields) {
        if (auto field = model::fieldFromWire(QString::fromStdString(name.get<std::string>())))
            conflictFields.push_back(*field);
    }
    std::optional<model::FieldMap> merged;
    if (!row.value(12).isNull()) {
        auto mergedMap = fieldMapColumn(row, 12, u"merged_data");
        if (!mergedMap)
            return std::unexpected(mergedMap.error());
        merged = std::move(*mergedMap);
    }
    std::optional<model::Resolution> resolution;
    if (!row.value(11).isNull())
        resolution = model::fromWire<model::Resolution>(row.value(11).toString());
    return model::Conflict{.id = row.value(0).toLongLong(),
                           .organizationId = row.value(1).toLongLong(),
                           .pfaId = row.value(2).toString(),
                           .modificationId = row.value(3).toLongLong(),
                           .localVersion = row.value(4).toLongLong(),
                           .pemsVersion = row.value(5).toLongLong(),
                           .baseData = std::move(*base),
                           .localData = std::move(*local),
                           .pemsData = std::move(*pems),
                           .conflictFields = std::move(conflictFields),
                           .status =
                               model::fromWire<model::ConflictStatus>(row.value(10).toString())
                                   .value_or(model::ConflictStatus::Unresolved),
                           .resolution = resolution,
                           .mergedData = std::move(merged),
                           .resolvedBy = optionalInt(row.value(13)),
                           .resolvedAt = optionalDateTime(row.value(14)),
                           .createdAt = utc(row.value(15))};
}

} // namespace

ConflictRepository::ConflictRepository(QSqlDatabase db)
    : m_db(std::move(db))
{}

Expected<model::Conflict> ConflictRepository::create(const model::Conflict& conflict,
                                                     const QString& actor) const
{
    nlohmann::json fields = nlohmann::json::array();
    for (const model::PfaField field : conflict.conflictFields)
        fields.push_back(model::wireName(field).toStdString());

    auto transaction = Transaction::begin(m_db);
    if (!transaction)
        return std::unexpected(transaction.error());
    auto query = runQuery(
        m_db, u"record the conflict",
        u"INSERT INTO pfa_sync_conflict (pfa_id, organization_id, modification_id, local_version,"
        " pems_version, base_data, local_data, pems_data, conflict_fields) VALUES (:pfa, :org,"
        " :modification, :localVersion, :pemsVersion, CAST(:base AS jsonb), CAST(:local AS jsonb),"
        " CAST(:pems AS jsonb), CAST(:fields AS jsonb)) RETURNING "_s +
            Columns,
        {{"pfa"_L1, conflict.pfaId},
         {"org"_L1, conflict.organizationId},
         {"modification"_L1, conflict.modificationId},
         {"localVersion"_L1, conflict.localVersion},
         {"pemsVersion"_L1, conflict.pemsVersion},
         {"base"_L1, jsonText(model::fieldMapToJson(conflict.baseData))},
         {"local"_L1, jsonText(model::fieldMapToJson(conflict.localData))},
         {"pems"_L1, jsonText(model::fieldMapToJson(conflict.pemsData))},
         {"fields"_L1, jsonText(fields)}});
    if (!query)
        return std::unexpected(query.error());
    query->next();
    auto stored = conflictFromRow(*query);
    if (!stored)
        return stored;
    auto audited = AuditRepository(m_db).append({.actor = actor,
                                                 .action = u"conflict.detected"_s,
                                                 .organizationId = stored->organizationId,
                                                 .entity = u"pfa_sync_conflict"_s,
                                                 .entityId = QString::number(stored->id),
                                                 .after = model::toJson(*stored)});
    if (!audited)
        return std::unexpected(audited.error());
    if (auto committed = transaction->commit(); !committed)
        return std::unexpected(committed.error());
    return stored;
}

Expected<model::Conflict> ConflictRepository::lockUnresolved(qint64 id) const
{
    auto found = select(u"WHERE id = :value FOR UPDATE"_s, id);
    if (!found)
        return std::unexpected(found.error());
    if (found->empty())
        return fail(ErrorCode::NotFound, u"conflict %1 does not exist"_s.arg(id));
    if (found->front().status != model::ConflictStatus::Unresolved)
        return fail(ErrorCode::Conflict, u"conflict %1 is already resolved"_s.arg(id));
    return found->front();
}

Expected<model::Conflict>
ConflictRepository::markResolved(const model::Conflict& conflict, model::Resolution resolution,
                                 const std::optional<model::FieldMap>& mergedData, qint64 userId,
                                 const QString& actor) const
{
    auto query = runQuery(
        m_db, u"resolve the conflict",
        u"UPDATE pfa_sync_conflict SET status = 'resolved_manual', resolution = :resolution,"
        " merged_data = CAST(:merged AS jsonb), resolved_by = :user, resolved_at = now()"
        " WHERE id = :id AND status = 'unresolved' RETURNING "_s +
            Columns,
        {{"resolution"_L1, model::toWire(resolution)},
         {"merged"_L1,
          mergedData ? QVariant(jsonText(model::fieldMapToJson(*mergedData))) : QVariant()},
         {"user"_L1, userId},
         {"id"_L1, conflict.id}});
    if (!query)
        return std::unexpected(query.error());
    if (!query->next())
        return fail(ErrorCode::Conflict, u"conflict %1 is already resolved"_s.arg(conflict.id));
    auto resolved = conflictFromRow(*query);
    if (!resolved)
        return resolved;
    auto audited = AuditRepository(m_db).append({.actor = actor,
                                                 .action = u"conflict.resolved"_s,
                                                 .organizationId = resolved->organizationId,
                                                 .entity = u"pfa_sync_conflict"_s,
                                                 .entityId = QString::number(resolved->id),
                                                 .before = model::toJson(conflict),
                                                 .after = model::toJson(*resolved)});
    if (!audited)
        return std::unexpected(audited.error());
    return resolved;
}

Expected<std::vector<model::Conflict>> ConflictRepository::select(const QString& where,
                                                                  const QVariant& value) const
{
    auto query = runQuery(m_db, u"read conflicts",
                          u"SELECT "_s + Columns + u" FROM pfa_sync_conflict "_s + where,
                          {{"value"_L1, value}});
    if (!query)
        return std::unexpected(query.error());
    std::vector<model::Conflict> conflicts;
    while (query->next()) {
        auto conflict = conflictFromRow(*query);
        if (!conflict)
            return std::unexpected(conflict.error());
        conflicts.push_back(std::move(*conflict));
    }
    return conflicts;
}

Expected<model::Conflict> ConflictRepository::find(qint64 id) const
{
    auto found = select(u"WHERE id = :value"_s, id);
    if (!found)
        return std::unexpected(found.error());
    if (found->empty())
        return fail(ErrorCode::NotFound, u"conflict %1 does not exist"_s.arg(id));
    return found->front();
}

Expected<std::vector<model::Conflict>> ConflictRepository::unresolved(qint64 organizationId) const
{
    return select(u"WHERE organization_id = :value AND status = 'unresolved' ORDER BY id"_s,
                  organizationId);
}

Expected<ConflictPage> ConflictRepository::list(const ConflictFilter& filter) const
{
    QStringList ids;
    for (const qint64 id : filter.organizationIds)
        ids.append(QString::number(id));
    const QString status = filter.status ? model::toWire(*filter.status) : QString();
    const QString organizations = u"{"_s + ids.join(u',') + u"}"_s;
    auto query = runQuery(
        m_db, u"list conflicts",
        u"SELECT "_s + Columns +
            u", count(*) OVER () FROM pfa_sync_conflict"
            " WHERE organization_id = ANY(CAST(:orgs AS bigint[]))"
            "   AND (COALESCE(CAST(:status AS text), '') = '' OR status = CAST(:status2 AS text))"
            " ORDER BY id DESC LIMIT :limit OFFSET :offset"_s,
        {{"orgs"_L1, organizations},
         {"status"_L1, status},
         {"status2"_L1, status},
         {"limit"_L1, filter.limit},
         {"offset"_L1, filter.offset}});
    if (!query)
        return std::unexpected(query.error());
    ConflictPage page;
    while (query->next()) {
        auto conflict = conflictFromRow(*query);
        if (!conflict)
            return std::unexpected(conflict.error());
        page.total = query->value(16).toLongLong();
        page.conflicts.push_back(std::move(*conflict));
    }
    if (page.conflicts.empty() && filter.offset > 0) {
        // Past the last page: count separately so the total stays right.
        auto counted = runQuery(
            m_db, u"count conflicts",
            u"SELECT count(*) FROM pfa_sync_conflict"
            " WHERE organization_id = ANY(CAST(:orgs AS bigint[]))"
            "   AND (COALESCE(CAST(:status AS text), '') = '' OR status = CAST(:status2 AS text))"_s,
            {{"orgs"_L1, organizations}, {"status"_L1, status}, {"status2"_L1, status}});
        if (!counted)
            return std::unexpected(counted.error());
        counted->next();
        page.total = counted->value(0).toLongLong();
    }
    return page;
}

} // namespace pfa::db
