#pragma once

#include <QDateTime>
#include <QStringList>
#include <QtGlobal>

#include <optional>

namespace pfa::sync {

// What one read sync run of an organization did.
struct ReadSyncResult
{
    qint64 organizationId = 0;
    bool resumed = false; // continued a run that had stopped after a stored page
    int pages = 0;
    qint64 received = 0; // records PEMS listed (tombstones included)
    qint64 inserted = 0;
    qint64 updated = 0;
    qint64 tombstones = 0;
    qint64 staleFlagged = 0;
    // Fields PEMS sent that our catalog does not know: dropped, reported, never fatal.
    QStringList unknownFields;
    std::optional<QDateTime> watermark; // after the run
};

} // namespace pfa::sync
