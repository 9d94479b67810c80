#pragma once

#include <QLoggingCategory>

namespace pfa::sync {

Q_DECLARE_LOGGING_CATEGORY(lcSync)

} // namespace pfa::sync
