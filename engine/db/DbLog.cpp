#include "db/DbLog.h"

namespace pfa::db {

// Info and up by default: debug output is opt-in through QT_LOGGING_RULES.
Q_LOGGING_CATEGORY(lcDb, "pfa.db", QtInfoMsg)

} // namespace pfa::db
