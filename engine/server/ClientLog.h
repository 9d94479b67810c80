#pragma once

#include <QLoggingCategory>

namespace pfa::server {

// ServiceClient and EventStreamClient: the console's side of the service API.
Q_DECLARE_LOGGING_CATEGORY(lcClient)

} // namespace pfa::server
