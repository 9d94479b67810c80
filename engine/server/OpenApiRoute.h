#pragma once

#include "server/ApiServer.h"

namespace pfa::server {

// GET /api/openapi.json: the OpenAPI 3.1 description of every route, assembled once from the
// embedded fragments (OpenApiDocument). Any valid token may read it: it names no data, but the
// service answers nothing to anonymous callers except its liveness.
class OpenApiRoute final
{
public:
    void install(ApiServer& server);

private:
    HttpReply m_reply;
};

} // namespace pfa::server
