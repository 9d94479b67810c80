#pragma once

#include "server/ApiServer.h"

namespace pfa::db {
class Database;
}

namespace pfa::server {

// Sync jobs:
//   GET  /api/pems/sync-jobs                 ?organizationId&status&trigger&from&to&limit&offset
//   GET  /api/pems/sync-jobs/{id}            the job, its items and each item's attempts
//   POST /api/pems/sync-jobs/{id}/rollback   {reason}  administrators only
// A job of an organization the caller does not belong to answers 404, like a missing one.
class JobRoutes final
{
public:
    explicit JobRoutes(db::Database& database);
    void install(ApiServer& server);

private:
    [[nodiscard]] HttpReply list(const ApiCall& call) const;
    [[nodiscard]] HttpReply show(const ApiCall& call) const;
    [[nodiscard]] HttpReply rollback(const ApiCall& call) const;

    db::Database& m_database;
};

} // namespace pfa::server
