#pragma once

#include "server/ApiServer.h"

namespace pfa::db {
class Database;
}

namespace pfa::server {

// One record's mirror history and its rollback (what the RollbackWizard drives):
//   GET  /api/pems/records/{pfaId}/history    ?organizationId (required)
//   POST /api/pems/records/{pfaId}/rollback   {organizationId, version, reason,
//                                              expectedFromVersion?}  administrators only
// The rollback goes through sync::RollbackService (the same code as `pfa-sync rollback`): a new
// modification restoring the version's values, queued at high priority. A record of an
// organization the caller does not belong to answers 404 like a missing organization.
class RecordRoutes final
{
public:
    explicit RecordRoutes(db::Database& database);
    void install(ApiServer& server);

private:
    [[nodiscard]] HttpReply history(const ApiCall& call) const;
    [[nodiscard]] HttpReply rollback(const ApiCall& call) const;

    db::Database& m_database;
};

} // namespace pfa::server
