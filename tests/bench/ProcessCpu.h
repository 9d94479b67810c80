#pragma once

#include "model/Error.h"

#include <QtGlobal>

namespace pfa::bench {

// CPU time (user + system, all threads) a live process has used so far, from /proc/PID/stat:
// set against the wall time it tells whether that process was the one the run waited for.
[[nodiscard]] Expected<double> processCpuSeconds(qint64 pid);

} // namespace pfa::bench
