#pragma once

#include <QLoggingCategory>

namespace pfa::db {

Q_DECLARE_LOGGING_CATEGORY(lcDb)

} // namespace pfa::db
