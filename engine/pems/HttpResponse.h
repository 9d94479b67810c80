#pragma once

#include <QByteArray>
#include <QByteArrayView>
#include <QDateTime>
#include <QList>
#include <QPair>

#include <optional>

namespace pfa::pems {

// A complete HTTP response, independent of QNetworkReply so that dialects can be tested by
// feeding bytes. Only responses that arrived whole get here; transport failures (timeouts, resets,
// truncated transfers) are classified by PemsClient before any dialect sees them.
struct HttpResponse
{
    int status = 0;
    QList<QPair<QByteArray, QByteArray>> headers; // as received (QNetworkReply::rawHeaderPairs)
    QByteArray body;
    QDateTime receivedAt; // UTC; the "now" for a Retry-After date when there is no Date header

    // The first header of that name, compared case-insensitively; nullopt when absent.
    [[nodiscard]] std::optional<QByteArray> header(QByteArrayView name) const;
};

} // namespace pfa::pems
