#pragma once

#include "AdminCommandLine.h"

namespace pfa::app {

class AdminSession;

// `pfa-sync rollback`: a record back to a version of its history, or everything one sync job
// applied, through sync::RollbackService — new modifications queued at high priority, never a
// deletion; administrators only, a reason required, audited as --user.
int runRollback(const AdminSession& session, const AdminArguments& arguments);

} // namespace pfa::app
