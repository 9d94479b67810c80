#include "SimLog.h"

namespace pfa::sim {

// Info by default: a per-request debug line at 20,000 requests per second would be the bottleneck.
Q_LOGGING_CATEGORY(lcSim, "pfa.sim", QtInfoMsg)

} // namespace pfa::sim
