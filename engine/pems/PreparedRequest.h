#pragma once

#include <QByteArray>
#include <QNetworkRequest>

namespace pfa::pems {

// What a dialect builds for one operation: the verb, the request (URL, content type, any headers
// of its wire format) and the body. PemsClient adds authentication, the Idempotency-Key, the
// timeout and the redirect policy, and sends it.
struct PreparedRequest
{
    QByteArray verb; // "GET", "PUT", "DELETE", "POST"
    QNetworkRequest request;
    QByteArray body;
};

} // namespace pfa::pems
