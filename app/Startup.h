#pragma once

#include "CommandLine.h"
#include "config/Settings.h"
#include "model/Error.h"

namespace pfa::db {
class Database;
}

namespace pfa::app {

// What every command that touches the database does first.
[[nodiscard]] Expected<config::Settings> loadSettings(const Invocation& invocation);
// DATABASE_URL, or a Config error telling where to set it.
[[nodiscard]] Expected<QString> requireDatabaseUrl(const config::Settings& settings);
// Opens the calling thread's connection and applies the migrations this build carries.
[[nodiscard]] Expected<void> migrateDatabase(db::Database& database, const QString& url);

} // namespace pfa::app
