#pragma once

#include <QTextStream>

namespace pfa::app {

// The command-line commands' output streams (stdout for results, stderr for errors/progress).
QTextStream& out();
QTextStream& err();

} // namespace pfa::app
