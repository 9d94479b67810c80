#pragma once

#include "model/Error.h"

#include <QString>
#include <QtGlobal>

#include <nlohmann/json.hpp>

namespace pfa::model {

// A person who signs in (app_user table).
struct User
{
    qint64 id = 0;
    QString email;
    QString displayName;
    QString dbRole; // the PostgreSQL role the user's direct-mode connections use
    bool isAdmin = false;
    bool active = true;

    friend bool operator==(const User&, const User&) = default;
};

[[nodiscard]] nlohmann::json toJson(const User& value);
[[nodiscard]] Expected<User> userFromJson(const nlohmann::json& json);

} // namespace pfa::model
