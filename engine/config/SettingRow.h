#pragma once

#include <QString>

namespace pfa::config {

// One line of `pfa-sync config show`: safe to print, secrets are already masked.
struct SettingRow
{
    QString name;        // e.g. WRITE_SYNC_BATCH_SIZE
    QString value;       // display value: masked for secrets, "(not set)" when empty
    QString source;      // "flag", "environment", "file <path>" or "default"
    QString description; // one line
};

} // namespace pfa::config
