#include "sync/SyncLog.h"

namespace pfa::sync {

Q_LOGGING_CATEGORY(lcSync, "pfa.sync", QtInfoMsg)

} // namespace pfa::sync
