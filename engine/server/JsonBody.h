#pragma once

#include "model/Error.h"

#include <QString>

#include <nlohmann/json.hpp>

#include <initializer_list>
#include <optional>
#include <string_view>
#include <vector>

namespace pfa::server {

// Strict readers for the members of a JSON request body. Each failure is InvalidInput naming the
// member, so every route answers a wrong body with the same 400 shape.
namespace json_body {

// Refuses members other than `keys`.
[[nodiscard]] Expected<void> onlyKeys(const nlohmann::json& body,
                                      std::initializer_list<std::string_view> keys);
// A required positive integer id.
[[nodiscard]] Expected<qint64> requiredId(const nlohmann::json& body, const char* key);
// An optional positive integer id (absent or null: nullopt).
[[nodiscard]] Expected<std::optional<qint64>> optionalId(const nlohmann::json& body,
                                                         const char* key);
// A required string that is not blank; `why` ends the message ("is required: <why>").
[[nodiscard]] Expected<QString> requiredText(const nlohmann::json& body, const char* key,
                                             const QString& why);
// A required array of `min`..`max` distinct positive integer ids, in the order given.
[[nodiscard]] Expected<std::vector<qint64>> idList(const nlohmann::json& body, const char* key,
                                                   std::size_t min, std::size_t max);

} // namespace json_body

} // namespace pfa::server
