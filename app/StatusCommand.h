#pragma once

#include "AdminCommandLine.h"

namespace pfa::app {

class AdminSession;

// `pfa-sync status [--organization CODE] [--json]`: per organization the queue counts per
// status, the oldest open item's age, dead letters, conflicts, and whether its writes are paused.
int runStatus(const AdminSession& session, const AdminArguments& arguments);

} // namespace pfa::app
