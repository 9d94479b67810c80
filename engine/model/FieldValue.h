#pragma once

#include "model/Error.h"
#include "model/Money.h"
#include "model/PfaField.h"

#include <QByteArrayView>
#include <QDateTime>
#include <QString>

#include <nlohmann/json.hpp>

#include <map>
#include <variant>

namespace pfa::model {

// One field's value. std::monostate is JSON null: the field is cleared (or, in a FieldMap, absent
// and present-as-null mean the same thing to diffFields and the Validator). Equality is
// std::variant's; QDateTime compares instants, so the same moment in two zones is equal.
using FieldValue = std::variant<std::monostate, QString, Money, QDateTime, bool>;

// A whole record (mirror data) or a delta (only the fields a modification changes), ordered by
// catalog order so that JSON and diffs come out the same way every time.
using FieldMap = std::map<PfaField, FieldValue>;

[[nodiscard]] inline bool isNull(const FieldValue& value)
{
    return std::holds_alternative<std::monostate>(value);
}

// The field's value in a map, monostate when missing.
[[nodiscard]] FieldValue valueOf(const FieldMap& map, PfaField field);

// True when the value's alternative suits the kind (monostate suits every kind).
[[nodiscard]] bool valueMatchesKind(const FieldValue& value, FieldKind kind);

// Money -> "1234.50"; date-time -> "2026-03-01T00:00:00.000Z"; monostate -> null.
[[nodiscard]] nlohmann::json fieldValueToJson(const FieldValue& value);

// Type-checked per FieldKind; errors are InvalidInput with Error::field = the wire name. Enum
// membership is not checked here: that is the Validator's "enum" rule.
[[nodiscard]] Expected<FieldValue> fieldValueFromJson(PfaField field, const nlohmann::json& json);

// Plain text for UIs and logs; empty for null.
[[nodiscard]] QString fieldValueToDisplayString(const FieldValue& value);

// Object keyed by wire names.
[[nodiscard]] nlohmann::json fieldMapToJson(const FieldMap& map);

// Needs a JSON object; an unknown key or a wrongly typed value is InvalidInput naming that key.
[[nodiscard]] Expected<FieldMap> fieldMapFromJson(const nlohmann::json& json);

// The one place raw JSON text enters the model: nlohmann throws, this returns an Error instead
// (InvalidInput, with line and column) for syntax errors and ill-formed UTF-8 alike.
[[nodiscard]] Expected<nlohmann::json> parseJson(QByteArrayView utf8);

} // namespace pfa::model
