#pragma once

#include "CommandLine.h"
#include "config/Settings.h"
#include "model/Error.h"
#include "sync/WorkerConfig.h"

namespace pfa::db {
class Database;
}

namespace pfa::app {

// The worker's configuration from the settings: PEMS URL and key (which must be set), schedule,
// batch, retries, rate limit, concurrency, retention.
[[nodiscard]] Expected<sync::WorkerConfig> workerConfigFrom(const config::Settings& settings,
                                                            const QString& workerId);
// Adds the organizations that have their own PEMS credentials (organization_api_credentials),
// decrypted with the data key (PFA_DATA_KEY_FILE or the systemd credential); the others keep
// `config.pems`. Config errors when rows exist and no data key is configured or it opens none.
[[nodiscard]] Expected<void> addOrganizationPems(db::Database& database,
                                                 const config::Settings& settings,
                                                 sync::WorkerConfig& config);
// "host:pid": unique among the workers sharing a database.
[[nodiscard]] QString defaultWorkerId();

// `pfa-sync worker`: migrates, then runs the write worker headless until SIGTERM/SIGINT, which
// stop it gracefully. Exit code 0 after a clean stop, 1 on a run-time failure, 2 on bad settings.
int runWorker(const Invocation& invocation);

} // namespace pfa::app
