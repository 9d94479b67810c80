#pragma once

#include "CommandLine.h"

namespace pfa::app {

// `pfa-sync tokens create|list|revoke`: the service API's bearer tokens. `create` prints the
// token once (only its SHA-256 is stored); human tables by default, --json for scripts.
// Exit code 0 on success, 1 on a failure (unknown user or token, database), 2 on bad arguments.
int runTokens(const Invocation& invocation);

} // namespace pfa::app
