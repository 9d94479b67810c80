#pragma once

#include "pems/PemsFailure.h"

#include <QNetworkReply>
#include <QString>

#include <chrono>

namespace pfa::pems {

// True when the error means the response did not arrive whole (no connection, reset, timeout,
// TLS, truncated transfer), as opposed to an HTTP error status that arrived complete and is the
// dialect's to read.
[[nodiscard]] bool isTransportError(QNetworkReply::NetworkError error);

// The Transient outcome for a transport error. `timeout` is the configured one, named in the
// message of a timeout ("no data from PEMS for 500 ms (timeout)"); `detail` is Qt's text for the
// error; `httpStatus` is set when headers had arrived before the transfer broke off.
[[nodiscard]] Transient transportFailure(QNetworkReply::NetworkError error, const QString& detail,
                                         std::chrono::milliseconds timeout,
                                         std::optional<int> httpStatus = std::nullopt);

} // namespace pfa::pems
