#pragma once

#include "server/ApiServer.h"

namespace pfa::db {
class Database;
}

namespace pfa::server {

// The write queue and its dead letters:
//   GET  /api/pems/queue                   ?organizationId&status&pfaId&limit&offset
//   GET  /api/pems/dead-letters            ?organizationId&limit&offset
//   POST /api/pems/dead-letters/retry      {ids}          perm_sync on each item's organization
//   POST /api/pems/dead-letters/discard    {ids, reason}  perm_sync on each item's organization
// Retry and discard go through sync::DeadLetterService (the same code as `pfa-sync queue`): one
// transaction per request, all or nothing. An id of an organization the caller does not belong
// to answers 404 exactly like a missing one, and refuses the whole request.
class QueueRoutes final
{
public:
    explicit QueueRoutes(db::Database& database);
    void install(ApiServer& server);

private:
    [[nodiscard]] HttpReply list(const ApiCall& call) const;
    [[nodiscard]] HttpReply deadLetters(const ApiCall& call) const;
    [[nodiscard]] HttpReply retry(const ApiCall& call) const;
    [[nodiscard]] HttpReply discard(const ApiCall& call) const;

    db::Database& m_database;
};

} // namespace pfa::server
