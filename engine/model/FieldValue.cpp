#include "model/FieldValue.h"

#include "model/IsoDateTime.h"

#include <exception>
#include <string>

using namespace Qt::StringLiterals;

namespace pfa::model {

namespace {

QString typeName(const nlohmann::json& json)
{
    return QString::fromLatin1(json.type_name());
}

QString qs(const std::string& utf8)
{
    return QString::fromUtf8(utf8.data(), static_cast<qsizetype>(utf8.size()));
}

std::unexpected<Error> wrongType(PfaField field, QStringView expected, const nlohmann::json& json)
{
    return fail(ErrorCode::InvalidInput,
                u"expected %1, got %2"_s.arg(expected.toString(), typeName(json)), wireName(field));
}

// Keeps the parser's own message but forces the field name onto the error.
std::unexpected<Error> withField(PfaField field, Error error)
{
    error.field = wireName(field);
    return std::unexpected(std::move(error));
}

} // namespace

FieldValue valueOf(const FieldMap& map, PfaField field)
{
    const auto it = map.find(field);
    return it == map.end() ? FieldValue{} : it->second;
}

bool valueMatchesKind(const FieldValue& value, FieldKind kind)
{
    switch (kind) {
    case FieldKind::Text:
    case FieldKind::Enum:
        return isNull(value) || std::holds_alternative<QString>(value);
    case FieldKind::Money:
        return isNull(value) || std::holds_alternative<Money>(value);
    case FieldKind::DateTime:
        return isNull(value) || std::holds_alternative<QDateTime>(value);
    case FieldKind::Bool:
        return isNull(value) || std::holds_alternative<bool>(value);
    }
    return false;
}

nlohmann::json fieldValueToJson(const FieldValue& value)
{
    if (const auto* s = std::get_if<QString>(&value))
        return s->toStdString();
    if (const auto* m = std::get_if<Money>(&value))
        return m->toString().toStdString();
    if (const auto* dt = std::get_if<QDateTime>(&value))
        return dt->isValid() ? nlohmann::json(toIsoUtc(*dt).toStdString()) : nlohmann::json();
    if (const auto* b = std::get_if<bool>(&value))
        return *b;
    return nullptr;
}

Expected<FieldValue> fieldValueFromJson(PfaField field, const nlohmann::json& json)
{
    if (json.is_null())
        return FieldValue{};

    switch (fieldSpec(field).kind) {
    case FieldKind::Text:
    case FieldKind::Enum:
        if (!json.is_string())
            return wrongType(field, u"a string", json);
        return FieldValue{qs(json.get_ref<const std::string&>())};

    case FieldKind::Money: {
        QString text;
        if (json.is_string()) {
            text = qs(json.get_ref<const std::string&>());
        } else if (json.is_number()) {
            // nlohmann prints a double as the shortest text that reads back to the same double,
            // so 1234.56 becomes "1234.56" and is parsed as a decimal, never via arithmetic.
            text = QString::fromStdString(json.dump());
        } else {
            return wrongType(field, u"money as a decimal string or number", json);
        }
        auto money = Money::parse(text);
        if (!money)
            return withField(field, money.error());
        return FieldValue{*money};
    }

    case FieldKind::DateTime: {
        if (!json.is_string())
            return wrongType(field, u"an ISO-8601 date-time string", json);
        auto at = parseIsoDateTime(qs(json.get_ref<const std::string&>()));
        if (!at)
            return withField(field, at.error());
        return FieldValue{*at};
    }

    case FieldKind::Bool:
        if (!json.is_boolean())
            return wrongType(field, u"true or false", json);
        return FieldValue{json.get<bool>()};
    }
    return fail(ErrorCode::Internal, u"field has no kind"_s, wireName(field));
}

QString fieldValueToDisplayString(const FieldValue& value)
{
    if (const auto* s = std::get_if<QString>(&value))
        return *s;
    if (const auto* m = std::get_if<Money>(&value))
        return m->toString();
    if (const auto* dt = std::get_if<QDateTime>(&value))
        return toIsoUtc(*dt);
    if (const auto* b = std::get_if<bool>(&value))
        return *b ? u"true"_s : u"false"_s;
    return {};
}

nlohmann::json fieldMapToJson(const FieldMap& map)
{
    nlohmann::json out = nlohmann::json::object();
    for (const auto& [field, value] : map)
        out[std::string(fieldSpec(field).wireName)] = fieldValueToJson(value);
    return out;
}

Expected<FieldMap> fieldMapFromJson(const nlohmann::json& json)
{
    if (!json.is_object()) {
        return fail(ErrorCode::InvalidInput,
                    u"expected a JSON object of PFA fields, got %1"_s.arg(typeName(json)));
    }
    FieldMap out;
    for (const auto& [key, value] : json.items()) {
        const QString name = qs(key);
        const auto field = fieldFromWire(name);
        if (!field)
            return fail(ErrorCode::InvalidInput, u"unknown field \"%1\""_s.arg(name), name);
        auto parsed = fieldValueFromJson(*field, value);
        if (!parsed)
            return std::unexpected(parsed.error());
        out.emplace(*field, std::move(*parsed));
    }
    return out;
}

Expected<nlohmann::json> parseJson(QByteArrayView utf8)
{
    try {
        return nlohmann::json::parse(utf8.begin(), utf8.end());
    } catch (const nlohmann::json::exception& e) {
        // what() starts with "[json.exception.parse_error.101] "; people need only the rest,
        // which says where (line, column) and what was wrong.
        QString message = QString::fromUtf8(e.what());
        const qsizetype bracket = message.indexOf(u"] ");
        if (message.startsWith(u'[') && bracket > 0)
            message.remove(0, bracket + 2);
        return fail(ErrorCode::InvalidInput, u"invalid JSON: "_s + message);
    } catch (const std::exception& e) {
        return fail(ErrorCode::Internal, u"JSON parsing failed: "_s + QString::fromUtf8(e.what()));
    }
}

} // namespace pfa::model
