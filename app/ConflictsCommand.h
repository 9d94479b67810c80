#pragma once

#include "AdminCommandLine.h"

namespace pfa::app {

class AdminSession;

// `pfa-sync conflicts list|show|resolve`: conflicts through db::ConflictRepository and their
// decision through sync::ConflictResolver, as --user (who needs perm_resolve in the conflict's
// organization); the resolver records and audits who decided.
int runConflicts(const AdminSession& session, const AdminArguments& arguments);

} // namespace pfa::app
