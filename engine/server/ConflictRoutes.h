#pragma once

#include "server/ApiServer.h"

namespace pfa::db {
class Database;
}

namespace pfa::server {

// Conflicts of spec/:
//   GET  /api/pems/conflicts                 ?organizationId=&status=&limit=&offset=
//   GET  /api/pems/conflicts/{id}
//   POST /api/pems/conflicts/{id}/resolve    {resolution, mergedData?}
// A conflict of an organization the caller does not belong to answers 404, like a missing one.
class ConflictRoutes final
{
public:
    explicit ConflictRoutes(db::Database& database);
    void install(ApiServer& server);

private:
    [[nodiscard]] HttpReply list(const ApiCall& call) const;
    [[nodiscard]] HttpReply show(const ApiCall& call) const;
    [[nodiscard]] HttpReply resolve(const ApiCall& call) const;

    db::Database& m_database;
};

} // namespace pfa::server
