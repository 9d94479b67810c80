#pragma once

#include "db/WriteBatchRepository.h"
#include "model/Error.h"
#include "sync/BatchPlan.h"

#include <functional>
#include <vector>

namespace pfa::sync {

// Decides, per record, what a claimed batch becomes (DESIGN "Sync semantics", steps 1 and 2):
// validation, the three-way conflict check against the mirror, and coalescing of the items ready
// together into one request — cut before the first item that cannot go (it conflicts or fails
// validation, which then holds the items behind it) and around a DELETE, which always goes alone.
// An item already sent under its key is retried exactly as it went out the first time.
class BatchPlanner final
{
public:
    using ChangesLookup = std::function<Expected<db::RecordChanges>(const db::ClaimedItem&)>;

    [[nodiscard]] static Expected<BatchPlan> plan(std::vector<db::ClaimedItem> claimed,
                                                  const ChangesLookup& changesSince);
};

} // namespace pfa::sync
