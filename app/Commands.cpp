#include "Commands.h"

#include "Console.h"
#include "Startup.h"
#include "db/Database.h"
#include "db/DatabaseUrl.h"
#include "db/MigrationRunner.h"

using namespace Qt::StringLiterals;

namespace pfa::app {

int runConfigShow(const Invocation& invocation)
{
    const auto settings = loadSettings(invocation);
    if (!settings) {
        err() << "pfa-sync: " << settings.error().message << Qt::endl;
        return 2;
    }
    out() << settings->formatTable() << Qt::flush;
    return 0;
}

int runMigrate(const Invocation& invocation)
{
    const auto settings = loadSettings(invocation);
    if (!settings) {
        err() << "pfa-sync: " << settings.error().message << Qt::endl;
        return 2;
    }
    if (auto url = requireDatabaseUrl(*settings); !url) {
        err() << "pfa-sync: " << url.error().message << Qt::endl;
        return 2;
    }
    auto runner = db::MigrationRunner::bundled();
    if (!runner) {
        err() << "pfa-sync: " << runner.error().message << Qt::endl;
        return 1;
    }
    db::Database database(settings->databaseUrl(), u"pfa-sync migrate"_s);
    auto connection = database.connection();
    if (!connection) {
        err() << "pfa-sync: " << connection.error().message << " ("
              << db::maskedDatabaseUrl(settings->databaseUrl()) << ")" << Qt::endl;
        return 1;
    }
    const auto report = runner->migrate(*connection);
    if (!report) {
        err() << "pfa-sync: " << report.error().message << Qt::endl;
        return 1;
    }
    if (report->applied.isEmpty()) {
        out() << "The schema is up to date (" << report->alreadyApplied << " migrations applied)."
              << Qt::endl;
    } else {
        out() << "Applied " << report->applied.size()
              << " migration(s): " << report->applied.join(u", "_s) << Qt::endl;
    }
    return 0;
}

} // namespace pfa::app
