#pragma once

#include "CommandLine.h"
#include "config/Settings.h"
#include "model/Error.h"

#include <memory>

namespace pfa::db {
class Database;
}
namespace pfa::secrets {
class DataKeySource;
}

namespace pfa::app {

// What every command that touches the database does first.
[[nodiscard]] Expected<config::Settings> loadSettings(const Invocation& invocation);
// DATABASE_URL, or a Config error telling where to set it.
[[nodiscard]] Expected<QString> requireDatabaseUrl(const config::Settings& settings);
// Opens the calling thread's connection and applies the migrations this build carries.
[[nodiscard]] Expected<void> migrateDatabase(db::Database& database, const QString& url);
// Where a headless process reads the data key of the stored PEMS keys: PFA_DATA_KEY_FILE, else
// the systemd credential pfa-data-key ($CREDENTIALS_DIRECTORY); nullptr when neither is there.
[[nodiscard]] std::unique_ptr<secrets::DataKeySource>
dataKeySource(const config::Settings& settings);
// What to tell the operator when a data key is needed and none is configured.
[[nodiscard]] QString noDataKeyMessage();

} // namespace pfa::app
