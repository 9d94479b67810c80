#pragma once

#include "CommandLine.h"

namespace pfa::app {

// Runs `status`, `queue …`, `conflicts …` or `rollback …` on the database (DATABASE_URL). Exit
// code 0 done, 1 failed or refused (unknown id, user or organization, missing permission, the
// database), 2 bad arguments or settings.
int runAdmin(const Invocation& invocation);

} // namespace pfa::app
