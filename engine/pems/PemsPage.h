#pragma once

#include "pems/PemsRecord.h"

#include <QString>

#include <optional>
#include <vector>

namespace pfa::pems {

// One page of the read path's listing.
struct PemsPage
{
    std::vector<PemsRecord> records;
    std::optional<QString> nextCursor; // nullopt: this was the last page
};

} // namespace pfa::pems
