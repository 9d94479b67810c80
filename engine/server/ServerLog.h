#pragma once

#include <QLoggingCategory>

namespace pfa::server {

Q_DECLARE_LOGGING_CATEGORY(lcServer)

} // namespace pfa::server
