#include "WorkerCommand.h"

#include "Console.h"
#include "Startup.h"
#include "db/Database.h"
#include "secrets/DataKeySource.h"
#include "shared/SignalWatcher.h"
#include "sync/OrganizationPems.h"
#include "sync/WriteSyncEngine.h"

#include <QCoreApplication>
#include <QHostInfo>
#include <csignal>

using namespace Qt::StringLiterals;

namespace pfa::app {

Expected<sync::WorkerConfig> workerConfigFrom(const config::Settings& settings,
                                              const QString& workerId)
{
    if (settings.pemsWriteApiUrl().isEmpty())
        return fail(ErrorCode::Config,
                    u"PEMS_WRITE_API_URL is not set: the worker needs to know where PEMS is"_s,
                    u"PEMS_WRITE_API_URL"_s);
    if (settings.pemsWriteApiKey().isEmpty())
        return fail(ErrorCode::Config,
                    u"PEMS_WRITE_API_KEY is not set: give it in the environment"_s,
                    u"PEMS_WRITE_API_KEY"_s);
    sync::WorkerConfig config;
    config.workerId = workerId;
    config.pems.baseUrl = settings.pemsWriteApiUrl();
    config.pems.apiKey = settings.pemsWriteApiKey();
    config.pems.timeout = settings.requestTimeout();
    if (auto valid = config.pems.validate(); !valid)
        return std::unexpected(valid.error());
    config.schedule = settings.schedule();
    config.batchSize = settings.batchSize();
    config.maxInFlight = settings.concurrency();
    config.rateLimit = settings.rateLimit();
    config.retryDelay = settings.retryDelay();
    config.retention = std::chrono::hours(24 * settings.retentionDays());
    // A lease outlives the longest request (its timeout) plus the rate limiter's horizon.
    config.lease = std::chrono::seconds(std::max<qint64>(
        60,
        2 * std::chrono::duration_cast<std::chrono::seconds>(settings.requestTimeout()).count() +
            10));
    return config;
}

Expected<void> addOrganizationPems(db::Database& database, const config::Settings& settings,
                                   sync::WorkerConfig& config)
{
    auto connection = database.connection();
    if (!connection)
        return std::unexpected(connection.error());
    const auto source = dataKeySource(settings);
    auto own = sync::loadOrganizationPems(*connection, source.get(), config.pems);
    if (!own)
        return std::unexpected(own.error());
    config.organizationPems = std::move(*own);
    return {};
}

QString defaultWorkerId()
{
    return QHostInfo::localHostName() + u':' + QString::number(QCoreApplication::applicationPid());
}

int runWorker(const Invocation& invocation)
{
    const auto settings = loadSettings(invocation);
    if (!settings) {
        err() << "pfa-sync: " << settings.error().message << Qt::endl;
        return 2;
    }
    const auto url = requireDatabaseUrl(*settings);
    if (!url) {
        err() << "pfa-sync: " << url.error().message << Qt::endl;
        return 2;
    }
    if (!settings->writeSyncEnabled()) {
        err() << "pfa-sync: ENABLE_WRITE_SYNC is false: nothing to do" << Qt::endl;
        return 2;
    }
    const QString workerId =
        invocation.workerId.isEmpty() ? defaultWorkerId() : invocation.workerId;
    auto config = workerConfigFrom(*settings, workerId);
    if (!config) {
        err() << "pfa-sync: " << config.error().message << Qt::endl;
        return 2;
    }

    db::Database database(*url, u"pfa-sync worker"_s);
    if (auto migrated = migrateDatabase(database, *url); !migrated) {
        err() << "pfa-sync: " << migrated.error().message << Qt::endl;
        return 1;
    }

    if (auto own = addOrganizationPems(database, *settings, *config); !own) {
        err() << "pfa-sync: " << own.error().message << Qt::endl;
        return own.error().code == ErrorCode::Config ? 2 : 1;
    }

    sync::WriteSyncEngine engine(database, *config);
    int exitCode = 0;
    QObject::connect(&engine, &sync::WriteSyncEngine::startFailed, qApp,
                     [&](const QString& message) {
                         err() << "pfa-sync: the worker cannot start: " << message << Qt::endl;
                         exitCode = 1;
                         QCoreApplication::exit(1);
                     });
    QObject::connect(&engine, &sync::WriteSyncEngine::started, qApp,
                     [&] { out() << "pfa-sync worker " << workerId << " running" << Qt::endl; });
    QObject::connect(&engine, &sync::WriteSyncEngine::stopped, qApp,
                     [&] { QCoreApplication::exit(exitCode); });
    SignalWatcher watcher({SIGINT, SIGTERM});
    QObject::connect(&watcher, &SignalWatcher::received, &engine, [&](int) { engine.stop(); });
    engine.start();
    const int code = QCoreApplication::exec();
    database.releaseThreadConnection();
    return code;
}

} // namespace pfa::app
