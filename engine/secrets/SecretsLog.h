#pragma once

#include <QLoggingCategory>

namespace pfa::secrets {

Q_DECLARE_LOGGING_CATEGORY(lcSecrets)

} // namespace pfa::secrets
