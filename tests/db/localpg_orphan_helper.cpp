// Test-only program for tst_localpostgres: starts a LocalPostgres, reports the postmaster's pid and
// socket directory on stdout, and waits to be killed.
#include "db/LocalPostgres.h"

#include <QCoreApplication>
#include <QTextStream>

int main(int argc, char* argv[])
{
    QCoreApplication app(argc, argv);
    pfa::db::LocalPostgres::Options options;
    options.fastUnsafe = true;
    pfa::db::LocalPostgres postgres(options);
    if (auto started = postgres.start(); !started) {
        QTextStream(stderr) << started.error().toString() << Qt::endl;
        return 1;
    }
    QTextStream out(stdout);
    out << "pid " << postgres.pid() << '\n' << "socket " << postgres.socketDirectory() << Qt::endl;
    return QCoreApplication::exec();
}
