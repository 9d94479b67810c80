#pragma once

#include "ReportLine.h"
#include "model/Error.h"

namespace pfa::bench {

// readsync-100k: ReadSync pulls `records` records of one organization from pems-sim into an
// empty mirror (1,000-record pages), in this process. Target: ≥ 5,000 records/s, peak RSS < 200 MB.
class ReadSyncScenario final
{
public:
    ReadSyncScenario(int records, bool quick);
    [[nodiscard]] ReportLine run();

private:
    [[nodiscard]] Expected<ReportLine> measure();

    const int m_records;
    const bool m_quick;
};

} // namespace pfa::bench
