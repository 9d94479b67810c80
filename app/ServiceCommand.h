#pragma once

#include "CommandLine.h"

namespace pfa::app {

// `pfa-sync --service`: migrates, then runs the HTTP + WebSocket API and (unless
// ENABLE_WRITE_SYNC is false) the write worker until SIGTERM/SIGINT, which drain both.
// Exit code 0 after a clean stop, 1 on a run-time failure, 2 on bad settings.
int runService(const Invocation& invocation);

} // namespace pfa::app
