#include "server/ServerLog.h"

namespace pfa::server {

Q_LOGGING_CATEGORY(lcServer, "pfa.server")

} // namespace pfa::server
