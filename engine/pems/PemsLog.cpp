#include "pems/PemsLog.h"

namespace pfa::pems {

// Info and up by default: the per-request debug lines are opt-in through QT_LOGGING_RULES
// ("pfa.pems.debug=true").
Q_LOGGING_CATEGORY(lcPems, "pfa.pems", QtInfoMsg)

} // namespace pfa::pems
