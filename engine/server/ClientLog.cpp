#include "server/ClientLog.h"

namespace pfa::server {

Q_LOGGING_CATEGORY(lcClient, "pfa.server.client")

} // namespace pfa::server
