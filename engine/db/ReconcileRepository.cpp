#include "db/ReconcileRepository.h"

#include "db/MirrorPageSql.h"
#include "db/Sql.h"
#include "db/Transaction.h"
#include "model/JsonWrite.h"

using namespace Qt::StringLiterals;

namespace pfa::db {

ReconcileRepository::ReconcileRepository(QSqlDatabase db)
    : m_db(std::move(db))
{}

Expected<std::vector<model::Drift>>
ReconcileRepository::comparePage(qint64 organizationId,
                                 const std::vector<PulledRecord>& records) const
{
    if (records.empty())
        return std::vector<model::Drift>{};
    nlohmann::json rows = nlohmann::json::array();
    QStringList ids;
    ids.reserve(qsizetype(records.size()));
    for (const auto& record : records)
        ids << record.pfaId;
    for (const auto& record : records)
        rows.push_back(
            {{"p", record.pfaId.toStdString()},
             {"v", record.version},
             {"del", record.deleted},
             {"d", record.deleted ? nlohmann::json() : model::fieldMapToJson(record.data)}});
    auto query = runQuery(
        m_db, u"compare a page of PEMS records with the mirror",
        u"WITH inp AS (SELECT DISTINCT ON (x.p) x.* FROM jsonb_to_recordset(CAST(:rows AS jsonb))"
        "               AS x(p text, v bigint, del boolean, d jsonb) ORDER BY x.p, x.v DESC)"
        " SELECT inp.p, inp.v, inp.del, mi.version, COALESCE(mi.deleted, true),"
        "        array_to_json(f.fields)::text"
        "   FROM inp LEFT JOIN (SELECT * FROM pfa_mirror WHERE organization_id = :org"
        "                         AND pfa_id = ANY(CAST(:ids AS text[]))) mi ON mi.pfa_id = inp.p"
        "   LEFT JOIN LATERAL (SELECT "_s +
            changedKeysSql(u"mi.data"_s, u"inp.d"_s) +
            u" AS fields) f ON NOT inp.del AND NOT mi.deleted"
            "  WHERE CASE WHEN inp.del THEN mi.id IS NOT NULL AND NOT mi.deleted"
            "             WHEN mi.id IS NULL OR mi.deleted THEN true"
            "             ELSE mi.version <> inp.v OR cardinality(f.fields) > 0 END"
            "  ORDER BY inp.p"_s,
        {{"rows"_L1, jsonText(rows)},
         {"org"_L1, organizationId},
         {"ids"_L1, textArrayLiteral(ids)},
         {"catalog"_L1, catalogArrayLiteral()}});
    if (!query)
        return std::unexpected(query.error());
    std::vector<model::Drift> drifts;
    while (query->next()) {
        model::Drift drift{.pfaId = query->value(0).toString(),
                           .mirrorVersion =
                               query->value(3).isNull() ? 0 : query->value(3).toLongLong(),
                           .pemsVersion = query->value(1).toLongLong()};
        const bool pemsDeleted = query->value(2).toBool();
        const bool mirrorGone = query->value(4).toBool();
        if (pemsDeleted) {
            drift.kind = model::DriftKind::MissingInPems;
        } else if (mirrorGone) {
            drift.kind = model::DriftKind::MissingInMirror;
        } else {
            auto fields = jsonColumn(query->value(5), u"fields");
            if (!fields)
                return std::unexpected(fields.error());
            for (const auto& name : *fields)
                drift.fields << QString::fromStdString(name.get<std::string>());
            drift.kind = drift.mirrorVersion != drift.pemsVersion
                             ? model::DriftKind::VersionMismatch
                             : model::DriftKind::FieldMismatch;
        }
        drifts.push_back(std::move(drift));
    }
    return drifts;
}

Expected<std::vector<MirrorKey>> ReconcileRepository::liveRecords(qint64 organizationId) const
{
    auto query = runQuery(m_db, u"list live mirror records",
                          u"SELECT pfa_id, version FROM pfa_mirror"
                          " WHERE organization_id = :org AND NOT deleted"_s,
                          {{"org"_L1, organizationId}});
    if (!query)
        return std::unexpected(query.error());
    std::vector<MirrorKey> keys;
    while (query->next())
        keys.push_back({query->value(0).toString(), query->value(1).toLongLong()});
    return keys;
}

Expected<bool> ReconcileRepository::repair(qint64 organizationId, const QString& pfaId,
                                           const std::optional<PulledRecord>& pems,
                                           const nlohmann::json& details,
                                           const QString& actor) const
{
    auto transaction = Transaction::begin(m_db);
    if (!transaction)
        return std::unexpected(transaction.error());
    auto old = runQuery(m_db, u"lock the mirror record to repair",
                        u"SELECT id, version, deleted, data::text FROM pfa_mirror"
                        " WHERE organization_id = :org AND pfa_id = :pfa FOR UPDATE"_s,
                        {{"org"_L1, organizationId}, {"pfa"_L1, pfaId}});
    if (!old)
        return std::unexpected(old.error());
    nlohmann::json before;
    bool held = false;
    if (old->next()) {
        held = true;
        auto data = jsonColumn(old->value(3), u"pfa_mirror.data");
        if (!data)
            return std::unexpected(data.error());
        before = {{"version", old->value(1).toLongLong()},
                  {"deleted", old->value(2).toBool()},
                  {"data", *data}};
    }

    nlohmann::json after;
    if (pems && !pems->deleted) {
        const nlohmann::json data = model::fieldMapToJson(pems->data);
        if (held && before["version"] == pems->version && !before["deleted"].get<bool>() &&
            before["data"] == data)
            return false;
        auto stored = runQuery(
            m_db, u"repair the mirror record",
            u"WITH up AS (INSERT INTO pfa_mirror AS mi (organization_id, pfa_id, version, data,"
            "                                          pems_updated_at, deleted)"
            "             VALUES (:org, :pfa, :version, CAST(:data AS jsonb), :at, false)"
            "             ON CONFLICT (organization_id, pfa_id) DO UPDATE"
            "                SET version = EXCLUDED.version, data = EXCLUDED.data,"
            "                    pems_updated_at = EXCLUDED.pems_updated_at, deleted = false,"
            "                    pulled_at = now()"
            "             RETURNING mi.id, mi.version, mi.data)"
            " INSERT INTO pfa_mirror_history AS h (mirror_id, version, data, changed_fields,"
            "                                      source, actor)"
            " SELECT up.id, up.version, up.data, "_s +
                changedKeysSql(u"CAST(:before AS jsonb)"_s, u"up.data"_s) +
                u", 'pull', :actor FROM up"
                " ON CONFLICT (mirror_id, version) DO UPDATE"
                "    SET data = EXCLUDED.data, changed_fields = EXCLUDED.changed_fields,"
                "        source = 'pull', actor = EXCLUDED.actor, recorded_at = now()"_s,
            {{"org"_L1, organizationId},
             {"pfa"_L1, pfaId},
             {"version"_L1, pems->version},
             {"data"_L1, jsonText(data)},
             {"at"_L1, pems->updatedAt},
             {"before"_L1, jsonText(held ? before["data"] : nlohmann::json::object())},
             {"catalog"_L1, catalogArrayLiteral()},
             {"actor"_L1, actor}});
        if (!stored)
            return std::unexpected(stored.error());
        after = {{"version", pems->version}, {"deleted", false}, {"data", data}};
    } else {
        if (!held || before["deleted"].get<bool>())
            return false;
        auto tombstoned = runQuery(m_db, u"make the mirror record a tombstone",
                                   u"UPDATE pfa_mirror SET deleted = true, pulled_at = now()"
                                   " WHERE organization_id = :org AND pfa_id = :pfa"_s,
                                   {{"org"_L1, organizationId}, {"pfa"_L1, pfaId}});
        if (!tombstoned)
            return std::unexpected(tombstoned.error());
        after = {{"version", before["version"]}, {"deleted", true}};
    }
    auto audited = runQuery(m_db, u"audit the repair",
                            u"INSERT INTO audit_log (actor, action, organization_id, entity,"
                            " entity_id, before, after, details)"
                            " VALUES (:actor, 'mirror.repaired', :org, 'pfa_mirror', :pfa,"
                            " CAST(:before AS jsonb), CAST(:after AS jsonb),"
                            " CAST(:details AS jsonb))"_s,
                            {{"actor"_L1, actor},
                             {"org"_L1, organizationId},
                             {"pfa"_L1, pfaId},
                             {"before"_L1, held ? QVariant(jsonText(before)) : QVariant()},
                             {"after"_L1, jsonText(after)},
                             {"details"_L1, jsonText(details)}});
    if (!audited)
        return std::unexpected(audited.error());
    if (auto committed = transaction->commit(); !committed)
        return std::unexpected(committed.error());
    return true;
}

} // namespace pfa::db
