#pragma once

#include "server/ApiServer.h"
#include "sync/WorkerConfig.h"

namespace pfa::db {
class Database;
}
namespace pfa::sync {
class WriteSyncEngine;
}

namespace pfa::server {

// The write path's endpoints of spec/ and the operator switches:
//   POST /api/pems/write-sync   {organizationId, modificationIds?, priority?}
//   GET  /api/pems/sync-status  ?organizationId=&status=&startDate=&endDate=
//   POST /api/pems/worker/pause {organizationId?, reason} · POST /api/pems/worker/resume
class SyncRoutes final
{
public:
    // `engine` may be null (ENABLE_WRITE_SYNC=false: other processes run the worker).
    SyncRoutes(db::Database& database, sync::WriteSyncEngine* engine, sync::WorkerConfig config);
    void install(ApiServer& server);

private:
    [[nodiscard]] HttpReply writeSync(const ApiCall& call);
    [[nodiscard]] HttpReply syncStatus(const ApiCall& call) const;
    [[nodiscard]] HttpReply pause(const ApiCall& call);
    [[nodiscard]] HttpReply resume(const ApiCall& call);
    [[nodiscard]] QString health() const;

    db::Database& m_database;
    sync::WriteSyncEngine* m_engine;
    sync::WorkerConfig m_config;
};

} // namespace pfa::server
