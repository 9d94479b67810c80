#pragma once

#include "server/ApiServer.h"

namespace pfa::db {
class Database;
}

namespace pfa::server {

// The audit log:
//   GET /api/pems/audit   ?organizationId&actor&action&from&to&limit&offset
// Members see their organizations' entries; administrators also those of no organization.
class AuditRoutes final
{
public:
    explicit AuditRoutes(db::Database& database);
    void install(ApiServer& server);

private:
    [[nodiscard]] HttpReply list(const ApiCall& call) const;

    db::Database& m_database;
};

} // namespace pfa::server
