#pragma once

#include "shared/PemsSimProcess.h"

namespace pfa::test {

// The launcher lives with the applications (the demo starts pems-sim too); tests know it by this
// name.
using app::PemsSimProcess;

} // namespace pfa::test
