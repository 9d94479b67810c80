#include "BenchLog.h"

#include <QTextStream>

#include <cstdio>

namespace pfa::bench {

void progress(const QString& scenario, const QString& message)
{
    static QTextStream err(stderr);
    err << "[bench] " << scenario << ": " << message << Qt::endl;
}

} // namespace pfa::bench
