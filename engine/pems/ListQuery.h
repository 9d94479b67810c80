#pragma once

#include <QDateTime>
#include <QString>

#include <optional>

namespace pfa::pems {

// One page of the read path: records of an organization updated since a watermark (deleted ones
// included, as tombstones).
struct ListQuery
{
    QString organizationCode;
    std::optional<QDateTime> updatedSince; // nullopt: from the beginning
    int limit = 0;                         // 0: PEMS' default page size
    QString cursor;                        // empty: first page; else the previous nextCursor
};

} // namespace pfa::pems
