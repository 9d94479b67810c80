#pragma once

#include <QtGlobal>

#include <chrono>
#include <string>

namespace pfa::sim {

// Time as the simulator hands it out. Wall-clock milliseconds (UTC) that never go backwards, so
// that updatedAt grows with the change sequence and "updatedSince" selects a suffix of the
// change feed; and a monotonic clock for the rate windows.
class SimClock final
{
public:
    // Now, or the last value returned (or raised to) if the system clock stepped back.
    [[nodiscard]] qint64 nowMs();
    // After a snapshot restore: never hand out a time before the newest restored change.
    void raiseTo(qint64 ms);

    [[nodiscard]] static std::chrono::nanoseconds monotonicNow();

    // "2026-03-01T08:00:00.000Z", the model's toIsoUtc() form, without a QDateTime round trip.
    [[nodiscard]] static std::string formatIso(qint64 msSinceEpoch);
    // "Sun, 06 Nov 1994 08:49:37 GMT" (RFC 9110 IMF-fixdate), for Retry-After.
    [[nodiscard]] static std::string formatHttpDate(qint64 msSinceEpoch);

private:
    qint64 m_lastMs = 0;
};

} // namespace pfa::sim
