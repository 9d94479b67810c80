#include "db/DbLog.h"

namespace pfa::db {
Q_LOGGING_CATEGORY(lcDb, "pfa.db")
} // namespace pfa::db
