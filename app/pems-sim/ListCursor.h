#pragma once

#include <QString>
#include <QStringView>

#include <compare>
#include <optional>

namespace pfa::sim {

// A position in an organization's change feed: the (updatedAt, change sequence) of the last record
// a page returned. The feed is ordered by that pair, which is the order of the change sequence
// because updatedAt never goes backwards. A record changed while a client pages moves behind the
// cursor's end of the feed, so it comes again later and is never skipped.
struct ListCursor
{
    qint64 updatedAtMs = 0;
    quint64 sequence = 0;

    // Opaque to clients: base64url of "v1:<ms>:<sequence>".
    [[nodiscard]] QString encode() const;
    [[nodiscard]] static std::optional<ListCursor> decode(QStringView text);

    friend auto operator<=>(const ListCursor&, const ListCursor&) = default;
};

} // namespace pfa::sim
