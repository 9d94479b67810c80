#pragma once

#include "CommandLine.h"

namespace pfa::app {

// Each returns the process exit code: 0 done, 1 failed at run time, 2 bad input or settings.
int runConfigShow(const Invocation& invocation);
int runMigrate(const Invocation& invocation);

} // namespace pfa::app
