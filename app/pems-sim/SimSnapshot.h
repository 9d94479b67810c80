#pragma once

#include "model/Error.h"

#include <QString>

namespace pfa::sim {

class SimStore;

// The --snapshot file: every record with its version, tombstone flag, change sequence and full
// history, as JSON. Written atomically (QSaveFile), so a crash mid-write leaves the previous file.
class SimSnapshot final
{
public:
    SimSnapshot() = delete;

    [[nodiscard]] static Expected<void> save(const SimStore& store, const QString& path);
    // Into an empty store; returns the number of records restored.
    [[nodiscard]] static Expected<std::size_t> load(SimStore& store, const QString& path);
};

} // namespace pfa::sim
