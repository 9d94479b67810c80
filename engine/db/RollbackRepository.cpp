#include "db/RollbackRepository.h"

#include "db/Sql.h"

#include <nlohmann/json.hpp>

using namespace Qt::StringLiterals;

namespace pfa::db {

RollbackRepository::RollbackRepository(QSqlDatabase db)
    : m_db(std::move(db))
{}

Expected<std::vector<JobRecordChange>> RollbackRepository::appliedByJob(qint64 jobId) const
{
    // Coalesced changes share the version of their request, so min/max over the job's synced
    // modifications of a record bound exactly the versions the job wrote.
    auto query =
        runQuery(m_db, u"read what the sync job applied",
                 u"WITH j AS (SELECT m.organization_id, m.pfa_id, min(m.pems_version) AS first_v,"
                 "                   max(m.pems_version) AS last_v,"
                 "                   bool_or(m.operation = 'DELETE') AS deleted,"
                 "                   COALESCE(jsonb_agg(DISTINCT k.key)"
                 "                            FILTER (WHERE k.key IS NOT NULL), '[]') AS fields"
                 "              FROM pfa_modification m"
                 "              LEFT JOIN LATERAL jsonb_object_keys(m.delta) AS k(key) ON true"
                 "             WHERE m.job_id = :job AND m.sync_status = 'synced'"
                 "               AND m.pems_version IS NOT NULL"
                 "             GROUP BY m.organization_id, m.pfa_id)"
                 " SELECT j.pfa_id, j.first_v, j.last_v,"
                 "        (SELECT max(h.version) FROM pfa_mirror_history h"
                 "          WHERE h.mirror_id = mi.id AND h.version < j.first_v),"
                 "        j.fields::text, j.deleted"
                 "   FROM j JOIN pfa_mirror mi ON mi.organization_id = j.organization_id"
                 "                            AND mi.pfa_id = j.pfa_id"
                 "  ORDER BY j.pfa_id"_s,
                 {{"job"_L1, jobId}});
    if (!query)
        return std::unexpected(query.error());
    std::vector<JobRecordChange> records;
    while (query->next()) {
        auto fieldsJson = jsonColumn(query->value(4), u"pfa_modification.delta keys");
        if (!fieldsJson)
            return std::unexpected(fieldsJson.error());
        JobRecordChange record{.pfaId = query->value(0).toString(),
                               .firstVersion = query->value(1).toLongLong(),
                               .lastVersion = query->value(2).toLongLong(),
                               .preJobVersion = optionalInt(query->value(3)),
                               .deleted = query->value(5).toBool()};
        for (const auto& name : *fieldsJson) {
            if (auto field = model::fieldFromWire(QString::fromStdString(name.get<std::string>())))
                record.fields.push_back(*field);
        }
        records.push_back(std::move(record));
    }
    return records;
}

Expected<bool> RollbackRepository::isTombstone(qint64 organizationId, const QString& pfaId) const
{
    auto query = runQuery(m_db, u"read whether the record is deleted",
                          u"SELECT deleted FROM pfa_mirror"
                          " WHERE organization_id = :org AND pfa_id = :pfa"_s,
                          {{"org"_L1, organizationId}, {"pfa"_L1, pfaId}});
    if (!query)
        return std::unexpected(query.error());
    return query->next() && query->value(0).toBool();
}

} // namespace pfa::db
