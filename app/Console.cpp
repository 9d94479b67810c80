#include "Console.h"

#include <cstdio>

namespace pfa::app {

QTextStream& out()
{
    static QTextStream stream(stdout);
    return stream;
}

QTextStream& err()
{
    static QTextStream stream(stderr);
    return stream;
}

} // namespace pfa::app
