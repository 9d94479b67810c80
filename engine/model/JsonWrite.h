#pragma once

#include "model/FieldValue.h"
#include "model/WireEnum.h"

#include <QDateTime>
#include <QString>

#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <vector>

namespace pfa::model {

// The writing side of JsonReader: one overload per member type, so that every toJson writes a
// member the same way the reader expects it (timestamps as ISO-8601 UTC, enums by wire name,
// std::nullopt as null).

[[nodiscard]] inline nlohmann::json jsonOf(const QString& value)
{
    return value.toStdString();
}
[[nodiscard]] inline nlohmann::json jsonOf(qint64 value)
{
    return value;
}
[[nodiscard]] inline nlohmann::json jsonOf(int value)
{
    return value;
}
[[nodiscard]] inline nlohmann::json jsonOf(bool value)
{
    return value;
}
[[nodiscard]] nlohmann::json jsonOf(const QDateTime& value);
[[nodiscard]] nlohmann::json jsonOf(const FieldMap& value);
[[nodiscard]] nlohmann::json jsonOf(const std::vector<PfaField>& value);
[[nodiscard]] inline nlohmann::json jsonOf(const nlohmann::json& value)
{
    return value;
}

template<WireEnum E>
[[nodiscard]] nlohmann::json jsonOf(E value)
{
    return std::string(wireView(value));
}

template<typename T>
[[nodiscard]] nlohmann::json jsonOf(const std::optional<T>& value)
{
    return value ? jsonOf(*value) : nlohmann::json();
}

} // namespace pfa::model
