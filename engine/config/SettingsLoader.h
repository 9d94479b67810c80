#pragma once

#include "config/Settings.h"
#include "model/Error.h"

#include <QProcessEnvironment>
#include <QString>
#include <QStringList>

namespace pfa::config {

// Builds Settings from, highest precedence first: `--set NAME=VALUE` flags, the environment, the
// INI file, the defaults. Inputs are passed in so that tests (and the app) control them.
class SettingsLoader
{
public:
    // flagAssignments: "NAME=VALUE" from repeated --set (the last one for a name wins).
    // env: an environment variable set to the empty string counts as unset.
    // iniPath: empty = no file; a given file must exist and parse.
    // Every error is ErrorCode::Config with `field` = the setting name (or the unknown name/key)
    // and a message naming the setting, its source and the rule; it never contains a secret.
    [[nodiscard]] static pfa::Expected<Settings> load(const QStringList& flagAssignments,
                                                      const QProcessEnvironment& env,
                                                      const QString& iniPath);
};

} // namespace pfa::config
