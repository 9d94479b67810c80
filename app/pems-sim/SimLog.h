#pragma once

#include <QLoggingCategory>

namespace pfa::sim {

// "pfa.sim": start-up, snapshots and faults at info level; one line per request at debug level
// (off by default: QT_LOGGING_RULES="pfa.sim.debug=true" turns it on).
Q_DECLARE_LOGGING_CATEGORY(lcSim)

} // namespace pfa::sim
