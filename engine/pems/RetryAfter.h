#pragma once

#include "pems/HttpResponse.h"

#include <QByteArrayView>
#include <QDateTime>

#include <chrono>
#include <optional>

namespace pfa::pems {

// Used when a 429 carries no readable Retry-After.
inline constexpr std::chrono::milliseconds kDefaultRetryAfter{1000};
// A longer Retry-After is cut to this, so that one odd header cannot park a worker for days.
inline constexpr std::chrono::milliseconds kMaxRetryAfter{std::chrono::hours(1)};

// A Retry-After value (RFC 9110 §10.2.3): delta-seconds ("120") or an HTTP-date, the latter taken
// relative to `now`. A date in the past gives 0; anything longer than kMaxRetryAfter is cut to it.
// nullopt when the value is neither form.
[[nodiscard]] std::optional<std::chrono::milliseconds> parseRetryAfter(QByteArrayView value,
                                                                       const QDateTime& now);

// The response's Retry-After. A date is measured against the response's own Date header when it
// has one (so the two clocks need not agree), else against receivedAt, else against the current
// time.
[[nodiscard]] std::optional<std::chrono::milliseconds> retryAfterOf(const HttpResponse& response);

} // namespace pfa::pems
