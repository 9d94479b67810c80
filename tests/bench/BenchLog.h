#pragma once

#include <QString>

namespace pfa::bench {

// A progress line on standard error ("[bench] spec-1000: …"); standard output carries only the
// JSON lines.
void progress(const QString& scenario, const QString& message);

} // namespace pfa::bench
