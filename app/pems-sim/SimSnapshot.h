#pragma once

#include "model/Error.h"

#include <QString>

#include <string>

namespace pfa::sim {

class SimStore;

// The --snapshot file: every record with its version, tombstone flag, change sequence and full
// history, as JSON. Written atomically (QSaveFile), so a crash mid-write leaves the previous file.
class SimSnapshot final
{
public:
    SimSnapshot() = delete;

    // The file's text, taken while the store cannot change (under the state's mutex)...
    [[nodiscard]] static std::string serialize(const SimStore& store);
    // ...and written without holding anything up.
    [[nodiscard]] static Expected<void> write(const std::string& text, const QString& path);
    // Into an empty store; returns the number of records restored.
    [[nodiscard]] static Expected<std::size_t> load(SimStore& store, const QString& path);
};

} // namespace pfa::sim
