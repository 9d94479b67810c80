#include "Startup.h"

#include "config/SettingsLoader.h"
#include "db/Database.h"
#include "db/DatabaseUrl.h"
#include "db/MigrationRunner.h"
#include "secrets/DataKeySource.h"

#include <QProcessEnvironment>

using namespace Qt::StringLiterals;

namespace pfa::app {

Expected<config::Settings> loadSettings(const Invocation& invocation)
{
    return config::SettingsLoader::load(invocation.settingAssignments,
                                        QProcessEnvironment::systemEnvironment(),
                                        invocation.configFile);
}

Expected<QString> requireDatabaseUrl(const config::Settings& settings)
{
    if (settings.databaseUrl().isEmpty())
        return fail(ErrorCode::Config,
                    u"DATABASE_URL is not set: give it in the environment, with"
                    " --set DATABASE_URL=…, or as [database] url in the --config file"_s,
                    u"DATABASE_URL"_s);
    return settings.databaseUrl();
}

Expected<void> migrateDatabase(db::Database& database, const QString& url)
{
    auto connection = database.connection();
    if (!connection) {
        Error error = connection.error();
        error.message += u" ("_s + db::maskedDatabaseUrl(url) + u")"_s;
        return std::unexpected(error);
    }
    auto runner = db::MigrationRunner::bundled();
    if (!runner)
        return std::unexpected(runner.error());
    auto report = runner->migrate(*connection);
    if (!report)
        return std::unexpected(report.error());
    return {};
}

std::unique_ptr<secrets::DataKeySource> dataKeySource(const config::Settings& settings)
{
    return secrets::DataKeySource::locate(settings.dataKeyFile(),
                                          qEnvironmentVariable("CREDENTIALS_DIRECTORY"));
}

QString noDataKeyMessage()
{
    return u"no data key is configured: set PFA_DATA_KEY_FILE to a file of 32 random bytes, mode"
           " 0600 (head -c 32 /dev/urandom > FILE; chmod 600 FILE), or pass it as the systemd"
           " credential pfa-data-key (LoadCredential=pfa-data-key:FILE)"_s;
}

} // namespace pfa::app
