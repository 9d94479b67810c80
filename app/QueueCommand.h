#pragma once

#include "AdminCommandLine.h"

namespace pfa::app {

class AdminSession;

// `pfa-sync queue list|retry|discard`: the dead letters (items that failed for good, conflicts
// aside) through sync::DeadLetterService — one, several or every one matching a filter, each
// call all or nothing, audited as --user (who needs perm_sync in the item's organization).
int runQueue(const AdminSession& session, const AdminArguments& arguments);

} // namespace pfa::app
