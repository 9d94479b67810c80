#pragma once

#include <QDateTime>
#include <QString>
#include <QtGlobal>

namespace pfa::pems {

// PEMS applied a PUT or DELETE (or, with replayed set, had applied it already for this
// Idempotency-Key and sent its first answer again).
struct WriteSuccess
{
    QString pfaId;
    qint64 newVersion = 0;
    QDateTime updatedAt;   // UTC
    bool replayed = false; // the response is the stored answer to an earlier attempt
    bool deleted = false;  // true for a DELETE
    QString message;
};

} // namespace pfa::pems
