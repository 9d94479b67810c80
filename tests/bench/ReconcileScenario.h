#pragma once

#include "ReportLine.h"
#include "model/Error.h"

namespace pfa::bench {

// reconcile-100k: a mirror pulled from pems-sim (`records` records), then `drift` differences
// injected evenly over the four kinds (rows deleted from the mirror, mirror rows PEMS never had,
// records edited in PEMS, values changed in the mirror), then Reconciler::report() timed.
// Targets: < 60 s, every injected difference found, no false positive.
class ReconcileScenario final
{
public:
    ReconcileScenario(int records, int drift, bool quick);
    [[nodiscard]] ReportLine run();

private:
    [[nodiscard]] Expected<ReportLine> measure();

    const int m_records;
    const int m_drift;
    const bool m_quick;
};

} // namespace pfa::bench
