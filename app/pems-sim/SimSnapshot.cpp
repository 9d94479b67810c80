#include "SimSnapshot.h"

#include "SimClock.h"
#include "SimStore.h"

#include "model/FieldValue.h"
#include "model/IsoDateTime.h"

#include <QFile>
#include <QSaveFile>

#include <nlohmann/json.hpp>

using namespace Qt::StringLiterals;

namespace pfa::sim {

namespace {

constexpr int FormatVersion = 1;
constexpr const char* FormatName = "pems-sim-snapshot";

std::string utf8(const QString& text)
{
    return text.toStdString();
}

QString qs(const nlohmann::json& json)
{
    return json.is_string() ? QString::fromStdString(json.get<std::string>()) : QString();
}

const char* sourceName(ChangeSource source)
{
    switch (source) {
    case ChangeSource::Seed:
        return "seed";
    case ChangeSource::Api:
        return "api";
    case ChangeSource::Admin:
        return "admin";
    }
    return "api";
}

ChangeSource sourceFrom(const nlohmann::json& json)
{
    if (json == "seed")
        return ChangeSource::Seed;
    if (json == "admin")
        return ChangeSource::Admin;
    return ChangeSource::Api;
}

nlohmann::json historyToJson(const SimHistoryEntry& entry)
{
    nlohmann::json changes = nlohmann::json::object();
    for (const auto& [field, value] : entry.changes)
        changes[std::string(model::fieldSpec(field).wireName)] = model::fieldValueToJson(value);
    return {{"version", entry.version},
            {"updatedAt", SimClock::formatIso(entry.updatedAtMs)},
            {"source", sourceName(entry.source)},
            {"deleted", entry.deleted},
            {"modifiedBy", utf8(entry.modifiedBy)},
            {"changeReason", utf8(entry.changeReason)},
            {"changes", changes}};
}

Expected<qint64> timeFrom(const nlohmann::json& json)
{
    auto at = model::parseIsoDateTime(qs(json));
    if (!at)
        return std::unexpected(at.error());
    return at->toMSecsSinceEpoch();
}

Expected<SimHistoryEntry> historyFromJson(const nlohmann::json& json)
{
    SimHistoryEntry entry;
    entry.version = json.at("version").get<qint64>();
    auto at = timeFrom(json.at("updatedAt"));
    if (!at)
        return std::unexpected(at.error());
    entry.updatedAtMs = *at;
    entry.source = sourceFrom(json.value("source", nlohmann::json("api")));
    entry.deleted = json.value("deleted", false);
    entry.modifiedBy = qs(json.value("modifiedBy", nlohmann::json()));
    entry.changeReason = qs(json.value("changeReason", nlohmann::json()));
    auto changes = model::fieldMapFromJson(json.at("changes"));
    if (!changes)
        return std::unexpected(changes.error());
    // fieldMapFromJson keeps a null as a value: that is a cleared field, a change like any other.
    for (auto& [field, value] : *changes) {
        entry.changedMask |= fieldBit(field);
        entry.changes.emplace_back(field, std::move(value));
    }
    return entry;
}

Expected<SimRecord> recordFromJson(const nlohmann::json& json)
{
    SimRecord record;
    record.organizationCode = qs(json.at("organizationCode"));
    record.pfaId = qs(json.at("pfaId"));
    record.version = json.at("version").get<qint64>();
    record.sequence = json.at("sequence").get<quint64>();
    record.deleted = json.at("deleted").get<bool>();
    auto at = timeFrom(json.at("updatedAt"));
    if (!at)
        return std::unexpected(at.error());
    record.updatedAtMs = *at;
    auto data = model::fieldMapFromJson(json.at("data"));
    if (!data)
        return std::unexpected(data.error());
    for (auto& [field, value] : *data) {
        if (!model::isNull(value))
            record.data.emplace(field, std::move(value));
    }
    for (const nlohmann::json& item : json.at("history")) {
        auto entry = historyFromJson(item);
        if (!entry)
            return std::unexpected(entry.error());
        if (entry->version != static_cast<qint64>(record.history.size()) + 1)
            return fail(ErrorCode::InvalidInput,
                        u"record %1: history versions are not 1, 2, 3, …"_s.arg(record.pfaId));
        record.history.push_back(std::move(*entry));
    }
    return record;
}

} // namespace

std::string SimSnapshot::serialize(const SimStore& store)
{
    nlohmann::json records = nlohmann::json::array();
    store.forEach([&](const SimRecord& record) {
        nlohmann::json history = nlohmann::json::array();
        for (const SimHistoryEntry& entry : record.history)
            history.push_back(historyToJson(entry));
        records.push_back({{"organizationCode", utf8(record.organizationCode)},
                           {"pfaId", utf8(record.pfaId)},
                           {"version", record.version},
                           {"sequence", record.sequence},
                           {"updatedAt", SimClock::formatIso(record.updatedAtMs)},
                           {"deleted", record.deleted},
                           {"data", model::fieldMapToJson(record.data)},
                           {"history", std::move(history)}});
    });
    const nlohmann::json document = {{"format", FormatName},
                                     {"formatVersion", FormatVersion},
                                     {"sequence", store.sequence()},
                                     {"records", std::move(records)}};
    return document.dump();
}

Expected<void> SimSnapshot::write(const std::string& text, const QString& path)
{
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly))
        return fail(ErrorCode::Io,
                    u"cannot write the snapshot %1: %2"_s.arg(path, file.errorString()));
    if (file.write(text.data(), static_cast<qint64>(text.size())) !=
            static_cast<qint64>(text.size()) ||
        !file.commit())
        return fail(ErrorCode::Io,
                    u"cannot write the snapshot %1: %2"_s.arg(path, file.errorString()));
    return {};
}

Expected<std::size_t> SimSnapshot::load(SimStore& store, const QString& path)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return fail(ErrorCode::Io,
                    u"cannot read the snapshot %1: %2"_s.arg(path, file.errorString()));
    const auto document = model::parseJson(file.readAll());
    if (!document)
        return fail(ErrorCode::InvalidInput,
                    u"the snapshot %1 is not valid JSON: %2"_s.arg(path, document.error().message));
    try {
        if (!document->is_object() || document->value("format", "") != FormatName ||
            document->value("formatVersion", 0) != FormatVersion)
            return fail(
                ErrorCode::InvalidInput,
                u"%1 is not a pems-sim snapshot (format %2)"_s.arg(path).arg(FormatVersion));
        std::size_t count = 0;
        for (const nlohmann::json& item : document->at("records")) {
            auto record = recordFromJson(item);
            if (!record)
                return fail(ErrorCode::InvalidInput,
                            u"snapshot %1: %2"_s.arg(path, record.error().toString()));
            if (auto restored = store.restore(std::move(*record)); !restored)
                return fail(ErrorCode::InvalidInput,
                            u"snapshot %1: %2"_s.arg(path, restored.error().message));
            ++count;
        }
        store.restoreSequence(document->at("sequence").get<quint64>());
        return count;
    } catch (const nlohmann::json::exception& e) {
        // A member missing or of the wrong type: the file was edited or cut short.
        return fail(ErrorCode::InvalidInput,
                    u"snapshot %1 is damaged: %2"_s.arg(path, QString::fromUtf8(e.what())));
    }
}

} // namespace pfa::sim
