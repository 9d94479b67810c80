#pragma once

#include <chrono>

namespace pfa::pems {

// How one request went on the wire, for the attempt history (pfa_sync_attempt.http_status and
// duration_ms) and for metrics; delivered with every outcome.
struct ExchangeInfo
{
    int httpStatus = 0; // 0: no HTTP response (refused before sending, or a transport failure)
    std::chrono::milliseconds duration{0};
};

} // namespace pfa::pems
