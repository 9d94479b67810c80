#pragma once

#include <QByteArrayView>
#include <QDateTime>

#include <optional>

namespace pfa::pems {

// An HTTP-date (RFC 9110 §5.6.7) in any of its three forms, as UTC:
//   IMF-fixdate  "Sun, 06 Nov 1994 08:49:37 GMT"   (what servers send)
//   RFC 850      "Sunday, 06-Nov-94 08:49:37 GMT"  (obsolete; yy < 70 -> 20yy, else 19yy)
//   asctime      "Sun Nov  6 08:49:37 1994"        (obsolete)
// The weekday is checked for spelling only, not against the date. nullopt for anything else.
[[nodiscard]] std::optional<QDateTime> parseHttpDate(QByteArrayView text);

} // namespace pfa::pems
