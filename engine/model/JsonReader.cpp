#include "model/JsonReader.h"

#include "model/IsoDateTime.h"

#include <limits>

using namespace Qt::StringLiterals;

namespace pfa::model {

namespace {

QString qs(std::string_view utf8)
{
    return QString::fromUtf8(utf8.data(), static_cast<qsizetype>(utf8.size()));
}

} // namespace

JsonReader::JsonReader(const nlohmann::json& object, QString what)
    : m_object(object)
    , m_what(std::move(what))
{
    if (!m_object.is_object()) {
        m_error = Error{ErrorCode::InvalidInput,
                        u"expected a JSON object for %1, got %2"_s.arg(
                            m_what, QString::fromLatin1(m_object.type_name())),
                        {}};
    }
}

const nlohmann::json* JsonReader::find(std::string_view key)
{
    if (m_error)
        return nullptr;
    m_seen.emplace(key);
    const auto it = m_object.find(key);
    return it == m_object.end() ? nullptr : &*it;
}

const nlohmann::json* JsonReader::require(std::string_view key)
{
    const nlohmann::json* value = find(key);
    if (!value && !m_error)
        setError(key, u"required key is missing in %1"_s.arg(m_what));
    return value;
}

void JsonReader::setError(std::string_view key, const QString& message)
{
    if (!m_error)
        m_error = Error{ErrorCode::InvalidInput, message, qs(key)};
}

void JsonReader::wrongType(std::string_view key, QStringView expected, const nlohmann::json& value)
{
    setError(key, u"expected %1, got %2 (in %3)"_s.arg(
                      expected.toString(), QString::fromLatin1(value.type_name()), m_what));
}

void JsonReader::unknownValue(std::string_view key, const QString& value, const QString& allowed)
{
    setError(key,
             u"unknown value \"%1\"; expected one of: %2 (in %3)"_s.arg(value, allowed, m_what));
}

void JsonReader::checkUnknownKeys()
{
    if (m_error)
        return;
    for (const auto& item : m_object.items()) {
        if (!m_seen.contains(item.key())) {
            setError(item.key(), u"unknown key \"%1\" in %2"_s.arg(qs(item.key()), m_what));
            return;
        }
    }
}

void JsonReader::read(std::string_view key, QString& out)
{
    const nlohmann::json* value = require(key);
    if (!value)
        return;
    if (!value->is_string()) {
        wrongType(key, u"a string", *value);
        return;
    }
    out = qs(value->get_ref<const std::string&>());
}

void JsonReader::read(std::string_view key, qint64& out)
{
    const nlohmann::json* value = require(key);
    if (!value)
        return;
    // Floats are refused even when whole: an id or a count written as 3.0 is a producer bug.
    if (!value->is_number_integer()) {
        wrongType(key, u"an integer", *value);
        return;
    }
    if (value->is_number_unsigned() &&
        value->get<quint64>() > static_cast<quint64>(std::numeric_limits<qint64>::max())) {
        setError(key, u"integer out of range (in %1)"_s.arg(m_what));
        return;
    }
    out = value->get<qint64>();
}

void JsonReader::read(std::string_view key, int& out)
{
    qint64 wide = 0;
    read(key, wide);
    if (!ok())
        return;
    if (wide < std::numeric_limits<int>::min() || wide > std::numeric_limits<int>::max()) {
        setError(key, u"integer out of range (in %1)"_s.arg(m_what));
        return;
    }
    out = static_cast<int>(wide);
}

void JsonReader::read(std::string_view key, bool& out)
{
    const nlohmann::json* value = require(key);
    if (!value)
        return;
    if (!value->is_boolean()) {
        wrongType(key, u"true or false", *value);
        return;
    }
    out = value->get<bool>();
}

void JsonReader::read(std::string_view key, QDateTime& out)
{
    const nlohmann::json* value = require(key);
    if (!value)
        return;
    if (!value->is_string()) {
        wrongType(key, u"an ISO-8601 date-time string", *value);
        return;
    }
    auto at = parseIsoDateTime(qs(value->get_ref<const std::string&>()));
    if (!at) {
        setError(key, at.error().message + u" (in "_s + m_what + u')');
        return;
    }
    out = *at;
}

void JsonReader::read(std::string_view key, FieldMap& out)
{
    const nlohmann::json* value = require(key);
    if (!value)
        return;
    auto map = fieldMapFromJson(*value);
    if (!map) {
        // "data.monthlyRate" points at the inner field, not just at the whole map.
        const Error& inner = map.error();
        if (!m_error) {
            m_error = Error{ErrorCode::InvalidInput, inner.message + u" (in "_s + m_what + u')',
                            inner.field.isEmpty() ? qs(key) : qs(key) + u'.' + inner.field};
        }
        return;
    }
    out = std::move(*map);
}

void JsonReader::read(std::string_view key, std::vector<PfaField>& out)
{
    const nlohmann::json* value = require(key);
    if (!value)
        return;
    if (!value->is_array()) {
        wrongType(key, u"an array of field names", *value);
        return;
    }
    std::vector<PfaField> fields;
    for (const nlohmann::json& element : *value) {
        if (!element.is_string()) {
            wrongType(key, u"an array of field names", element);
            return;
        }
        const QString name = qs(element.get_ref<const std::string&>());
        const auto field = fieldFromWire(name);
        if (!field) {
            setError(key, u"unknown field \"%1\" (in %2)"_s.arg(name, m_what));
            return;
        }
        fields.push_back(*field);
    }
    out = std::move(fields);
}

void JsonReader::read(std::string_view key, nlohmann::json& out)
{
    const nlohmann::json* value = find(key);
    if (m_error)
        return;
    out = value ? *value : nlohmann::json();
}

} // namespace pfa::model
