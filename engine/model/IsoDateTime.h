#pragma once

#include "model/Error.h"

#include <QDateTime>
#include <QString>
#include <QStringView>

namespace pfa::model {

// Timestamps on the wire are ISO-8601 and unambiguous. Accepted: "2026-03-01" (midnight UTC) or
// "2026-03-01T12:30[:45[.123456]]" followed by 'Z' or a ±hh:mm offset; the result is in UTC.
// A time without a zone is refused because it would silently mean "whatever the server's local
// time is". Digits beyond milliseconds are truncated (QDateTime holds milliseconds).
[[nodiscard]] Expected<QDateTime> parseIsoDateTime(QStringView text);

// "2026-03-01T00:00:00.000Z"; empty for an invalid QDateTime.
[[nodiscard]] QString toIsoUtc(const QDateTime& at);

} // namespace pfa::model
