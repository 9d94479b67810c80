#pragma once

#include "ListCursor.h"
#include "SimRecord.h"

#include <optional>
#include <vector>

namespace pfa::sim {

// One page of GET /api/pems/pfa: records in feed order, tombstones included, and where the next
// page starts (none when this page reached the end of the feed).
struct ListPage
{
    std::vector<const SimRecord*> records;
    std::optional<ListCursor> next;
};

} // namespace pfa::sim
