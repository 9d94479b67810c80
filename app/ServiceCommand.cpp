#include "ServiceCommand.h"

#include "Console.h"
#include "Startup.h"
#include "SystemdNotifier.h"
#include "WorkerCommand.h"
#include "db/Database.h"
#include "server/ServiceHost.h"
#include "shared/SignalWatcher.h"
#include "sync/WriteSyncEngine.h"

#include <QCoreApplication>
#include <csignal>

using namespace Qt::StringLiterals;

namespace pfa::app {

namespace {

Expected<server::ServiceConfig> serviceConfigFrom(const config::Settings& settings)
{
    server::ServiceConfig config;
    if (!config.address.setAddress(settings.serviceListenAddress()))
        return fail(ErrorCode::Config,
                    u"SERVICE_LISTEN_ADDRESS \"%1\" is not an IPv4 or IPv6 address"_s.arg(
                        settings.serviceListenAddress()),
                    u"SERVICE_LISTEN_ADDRESS"_s);
    config.port = quint16(settings.servicePort());
    config.tlsCertificateFile = settings.serviceTlsCertificate();
    config.tlsKeyFile = settings.serviceTlsKey();
    config.api = {.maxBodyBytes = settings.serviceMaxBodyBytes(),
                  .writeRequestsPerSecond = settings.serviceWriteRateLimit()};
    config.rateLimit = settings.rateLimit();
    config.status.schedule = settings.schedule();
    config.status.rateLimit = settings.rateLimit();
    if (settings.writeSyncEnabled()) {
        auto worker = workerConfigFrom(settings, defaultWorkerId());
        if (!worker)
            return std::unexpected(worker.error());
        config.pems = worker->pems;
        config.worker = std::move(*worker);
    } else if (!settings.pemsWriteApiUrl().isEmpty()) {
        config.pems.baseUrl = settings.pemsWriteApiUrl();
        config.pems.apiKey = settings.pemsWriteApiKey();
        config.pems.timeout = settings.requestTimeout();
    }
    return config;
}

} // namespace

int runService(const Invocation& invocation)
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
    auto config = serviceConfigFrom(*settings);
    if (!config) {
        err() << "pfa-sync: " << config.error().message << Qt::endl;
        return 2;
    }
    db::Database database(*url, u"pfa-sync service"_s);
    if (auto migrated = migrateDatabase(database, *url); !migrated) {
        err() << "pfa-sync: " << migrated.error().message << Qt::endl;
        return 1;
    }

    if (config->worker) {
        if (auto own = addOrganizationPems(database, *settings, *config->worker); !own) {
            err() << "pfa-sync: " << own.error().message << Qt::endl;
            return own.error().code == ErrorCode::Config ? 2 : 1;
        }
    }

    server::ServiceHost host(database, std::move(*config));
    int exitCode = 0;
    SystemdNotifier systemd;
    QObject::connect(&host, &server::ServiceHost::workerFailed, qApp, [&](const QString& message) {
        err() << "pfa-sync: the worker cannot start: " << message << Qt::endl;
        exitCode = 1;
        host.stop();
    });
    QObject::connect(&host, &server::ServiceHost::stopped, qApp,
                     [&] { QCoreApplication::exit(exitCode); });
    SignalWatcher watcher({SIGINT, SIGTERM});
    QObject::connect(&watcher, &SignalWatcher::received, &host, [&](int) {
        systemd.stopping();
        host.stop();
    });
    if (auto started = host.start(); !started) {
        err() << "pfa-sync: " << started.error().message << Qt::endl;
        return started.error().code == ErrorCode::Config ? 2 : 1;
    }
    out() << "pfa-sync service listening on " << (host.tls() ? "https://" : "http://")
          << settings->serviceListenAddress() << ":" << host.port()
          << (host.engine() ? " (write worker running)"
                            : " (no write worker: ENABLE_WRITE_SYNC"
                              " is false)")
          << Qt::endl;
    systemd.ready([&host] { return !host.engine() || host.engine()->isRunning(); });
    const int code = QCoreApplication::exec();
    database.releaseThreadConnection();
    return code;
}

} // namespace pfa::app
