#include "server/OpenApiRoute.h"

#include "server/OpenApiDocument.h"
#include "server/ServerLog.h"

using namespace Qt::StringLiterals;

namespace pfa::server {

void OpenApiRoute::install(ApiServer& server)
{
    if (auto document = OpenApiDocument::assemble(u":/openapi"_s, QStringLiteral(PFA_VERSION))) {
        m_reply = HttpReply::json(200, *document);
    } else {
        // The fragments are compiled in, so this is a build defect; the rest of the API still
        // serves.
        qCCritical(lcServer).noquote() << document.error().toString();
        m_reply = HttpReply::fromError(document.error());
    }
    server.route("GET", u"/api/openapi.json"_s, ApiServer::Access::Token,
                 [this](const ApiCall&) { return m_reply; });
}

} // namespace pfa::server
