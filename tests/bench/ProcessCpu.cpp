#include "ProcessCpu.h"

#include <QFile>
#include <QList>

#include <unistd.h>

using namespace Qt::StringLiterals;

namespace pfa::bench {

Expected<double> processCpuSeconds(qint64 pid)
{
    const QString path = u"/proc/%1/stat"_s.arg(pid);
    QFile stat(path);
    if (!stat.open(QIODevice::ReadOnly))
        return fail(ErrorCode::Io, u"cannot read %1: %2"_s.arg(path, stat.errorString()));
    const QByteArray line = stat.readAll();
    // "PID (COMMAND) STATE PPID …": the command may hold spaces and parentheses, so the fields
    // are counted from the last ')'. utime and stime are fields 14 and 15 of proc(5).
    const qsizetype commandEnd = line.lastIndexOf(')');
    const QList<QByteArray> fields = line.mid(commandEnd + 2).split(' ');
    constexpr qsizetype Utime = 14 - 3;
    constexpr qsizetype Stime = 15 - 3;
    bool userOk = false;
    bool systemOk = false;
    const qint64 ticks =
        fields.value(Utime).toLongLong(&userOk) + fields.value(Stime).toLongLong(&systemOk);
    if (commandEnd < 0 || !userOk || !systemOk)
        return fail(ErrorCode::Io, u"%1 is not in the format of proc(5)"_s.arg(path));
    return double(ticks) / double(::sysconf(_SC_CLK_TCK));
}

} // namespace pfa::bench
