#include "db/MirrorRepository.h"

#include "db/Sql.h"
#include "db/Transaction.h"
#include "model/FieldDiff.h"

using namespace Qt::StringLiterals;

namespace pfa::db {

namespace {

const QString SelectColumns = u"SELECT id, organization_id, pfa_id, version, data::text,"
                              " pems_updated_at, pulled_at FROM pfa_mirror "_s;

Expected<model::MirrorRecord> recordFromRow(const QSqlQuery& row)
{
    auto json = jsonColumn(row.value(4), u"pfa_mirror.data");
    if (!json)
        return std::unexpected(json.error());
    auto data = model::fieldMapFromJson(*json);
    if (!data)
        return std::unexpected(data.error());
    return model::MirrorRecord{.id = row.value(0).toLongLong(),
                               .organizationId = row.value(1).toLongLong(),
                               .pfaId = row.value(2).toString(),
                               .version = row.value(3).toLongLong(),
                               .data = std::move(*data),
                               .pemsUpdatedAt = optionalDateTime(row.value(5)),
                               .pulledAt = utc(row.value(6))};
}

} // namespace

MirrorRepository::MirrorRepository(QSqlDatabase db)
    : m_db(std::move(db))
{}

Expected<model::MirrorRecord> MirrorRepository::store(const MirrorWrite& write) const
{
    auto transaction = Transaction::begin(m_db);
    if (!transaction)
        return std::unexpected(transaction.error());

    auto current =
        runQuery(m_db, u"lock the mirror record",
                 SelectColumns + u"WHERE organization_id = :org AND pfa_id = :pfa FOR UPDATE"_s,
                 {{"org"_L1, write.organizationId}, {"pfa"_L1, write.pfaId}});
    if (!current)
        return std::unexpected(current.error());

    const QString dataText = jsonText(model::fieldMapToJson(write.data));
    qint64 mirrorId = 0;
    std::vector<model::PfaField> changed;
    if (current->next()) {
        auto held = recordFromRow(*current);
        if (!held)
            return std::unexpected(held.error());
        if (write.version <= held->version)
            return *held;
        mirrorId = held->id;
        changed = model::changedFields(held->data, write.data);
        auto updated =
            runQuery(m_db, u"update the mirror",
                     u"UPDATE pfa_mirror SET version = :version, data = CAST(:data AS jsonb),"
                     " pems_updated_at = :pemsAt, pulled_at = now() WHERE id = :id"_s,
                     {{"version"_L1, write.version},
                      {"data"_L1, dataText},
                      {"pemsAt"_L1, nullableDateTime(write.pemsUpdatedAt)},
                      {"id"_L1, mirrorId}});
        if (!updated)
            return std::unexpected(updated.error());
    } else {
        changed = model::changedFields({}, write.data);
        auto inserted =
            runQuery(m_db, u"insert into the mirror",
                     u"INSERT INTO pfa_mirror (organization_id, pfa_id, version, data,"
                     " pems_updated_at) VALUES (:org, :pfa, :version, CAST(:data AS jsonb),"
                     " :pemsAt) RETURNING id"_s,
                     {{"org"_L1, write.organizationId},
                      {"pfa"_L1, write.pfaId},
                      {"version"_L1, write.version},
                      {"data"_L1, dataText},
                      {"pemsAt"_L1, nullableDateTime(write.pemsUpdatedAt)}});
        if (!inserted)
            return std::unexpected(inserted.error());
        inserted->next();
        mirrorId = inserted->value(0).toLongLong();
    }
    if (auto appended = appendHistory(mirrorId, write, changed); !appended)
        return std::unexpected(appended.error());
    if (auto committed = transaction->commit(); !committed)
        return std::unexpected(committed.error());

    auto stored = find(write.organizationId, write.pfaId);
    if (!stored)
        return std::unexpected(stored.error());
    return **stored;
}

Expected<void> MirrorRepository::appendHistory(qint64 mirrorId, const MirrorWrite& write,
                                               const std::vector<model::PfaField>& changed) const
{
    nlohmann::json changedNames = nlohmann::json::array();
    for (const model::PfaField field : changed)
        changedNames.push_back(model::wireName(field).toStdString());
    auto appended = runQuery(
        m_db, u"append mirror history",
        u"INSERT INTO pfa_mirror_history (mirror_id, version, data, changed_fields, source, actor)"
        " VALUES (:mirror, :version, CAST(:data AS jsonb),"
        " ARRAY(SELECT jsonb_array_elements_text(CAST(:changed AS jsonb))), :source, :actor)"_s,
        {{"mirror"_L1, mirrorId},
         {"version"_L1, write.version},
         {"data"_L1, jsonText(model::fieldMapToJson(write.data))},
         {"changed"_L1, jsonText(changedNames)},
         {"source"_L1, model::toWire(write.source)},
         {"actor"_L1, write.actor}});
    if (!appended)
        return std::unexpected(appended.error());
    return {};
}

Expected<std::optional<model::MirrorRecord>> MirrorRepository::find(qint64 organizationId,
                                                                    const QString& pfaId) const
{
    auto query = runQuery(m_db, u"read the mirror record",
                          SelectColumns + u"WHERE organization_id = :org AND pfa_id = :pfa"_s,
                          {{"org"_L1, organizationId}, {"pfa"_L1, pfaId}});
    if (!query)
        return std::unexpected(query.error());
    if (!query->next())
        return std::optional<model::MirrorRecord>();
    auto record = recordFromRow(*query);
    if (!record)
        return std::unexpected(record.error());
    return std::optional(std::move(*record));
}

Expected<std::vector<model::MirrorHistoryEntry>> MirrorRepository::history(qint64 mirrorId) const
{
    auto query = runQuery(m_db, u"read mirror history",
                          u"SELECT mirror_id, version, data::text, to_jsonb(changed_fields)::text,"
                          " source, actor, recorded_at FROM pfa_mirror_history"
                          " WHERE mirror_id = :mirror ORDER BY version"_s,
                          {{"mirror"_L1, mirrorId}});
    if (!query)
        return std::unexpected(query.error());
    std::vector<model::MirrorHistoryEntry> entries;
    while (query->next()) {
        auto dataJson = jsonColumn(query->value(2), u"pfa_mirror_history.data");
        auto changedJson = jsonColumn(query->value(3), u"pfa_mirror_history.changed_fields");
        if (!dataJson || !changedJson)
            return std::unexpected(dataJson ? changedJson.error() : dataJson.error());
        auto data = model::fieldMapFromJson(*dataJson);
        if (!data)
            return std::unexpected(data.error());
        std::vector<model::PfaField> changed;
        for (const auto& name : *changedJson) {
            if (auto field = model::fieldFromWire(QString::fromStdString(name.get<std::string>())))
                changed.push_back(*field);
        }
        const auto source = model::fromWire<model::HistorySource>(query->value(4).toString());
        entries.push_back({.mirrorId = query->value(0).toLongLong(),
                           .version = query->value(1).toLongLong(),
                           .data = std::move(*data),
                           .changedFields = std::move(changed),
                           .source = source.value_or(model::HistorySource::Pull),
                           .actor = query->value(5).toString(),
                           .recordedAt = utc(query->value(6))});
    }
    return entries;
}

Expected<std::vector<model::MirrorRecord>> MirrorRepository::records(qint64 organizationId) const
{
    auto query = runQuery(m_db, u"list mirror records",
                          SelectColumns + u"WHERE organization_id = :org ORDER BY pfa_id"_s,
                          {{"org"_L1, organizationId}});
    if (!query)
        return std::unexpected(query.error());
    std::vector<model::MirrorRecord> records;
    while (query->next()) {
        auto record = recordFromRow(*query);
        if (!record)
            return std::unexpected(record.error());
        records.push_back(std::move(*record));
    }
    return records;
}

Expected<qint64> MirrorRepository::count(qint64 organizationId) const
{
    auto query = runQuery(m_db, u"count mirror records",
                          u"SELECT count(*) FROM pfa_mirror WHERE organization_id = :org"_s,
                          {{"org"_L1, organizationId}});
    if (!query)
        return std::unexpected(query.error());
    query->next();
    return query->value(0).toLongLong();
}

} // namespace pfa::db
