#pragma once

#include <QByteArray>
#include <QString>

namespace pfa::db {

// One schema migration file, `NNNN_name.sql`.
struct Migration
{
    int version = 0;
    QString fileName;
    QByteArray sql;
    QString checksum; // SHA-256 of the file, hex
};

} // namespace pfa::db
