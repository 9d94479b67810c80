#pragma once

#include <QLoggingCategory>

namespace pfa::pems {

Q_DECLARE_LOGGING_CATEGORY(lcPems)

} // namespace pfa::pems
