#include "SimClock.h"

#include <QDateTime>

#include <algorithm>
#include <array>
#include <cstdio>

namespace pfa::sim {

namespace {

constexpr qint64 MsPerDay = 86'400'000;

struct Civil
{
    int year;
    unsigned month;
    unsigned day;
    unsigned weekday; // 0 = Sunday
    unsigned hour;
    unsigned minute;
    unsigned second;
    unsigned millisecond;
};

Civil toCivil(qint64 ms)
{
    using namespace std::chrono;
    const qint64 days = ms >= 0 ? ms / MsPerDay : (ms - MsPerDay + 1) / MsPerDay;
    const qint64 inDay = ms - days * MsPerDay;
    const sys_days date{std::chrono::days{days}};
    const year_month_day ymd{date};
    const weekday wd{date};
    return {static_cast<int>(ymd.year()),
            static_cast<unsigned>(ymd.month()),
            static_cast<unsigned>(ymd.day()),
            wd.c_encoding(),
            static_cast<unsigned>(inDay / 3'600'000),
            static_cast<unsigned>(inDay / 60'000 % 60),
            static_cast<unsigned>(inDay / 1000 % 60),
            static_cast<unsigned>(inDay % 1000)};
}

} // namespace

qint64 SimClock::nowMs()
{
    m_lastMs = std::max(m_lastMs, QDateTime::currentMSecsSinceEpoch());
    return m_lastMs;
}

void SimClock::raiseTo(qint64 ms)
{
    m_lastMs = std::max(m_lastMs, ms);
}

std::chrono::nanoseconds SimClock::monotonicNow()
{
    return std::chrono::duration_cast<std::chrono::nanoseconds>(
        std::chrono::steady_clock::now().time_since_epoch());
}

std::string SimClock::formatIso(qint64 msSinceEpoch)
{
    // By hand rather than snprintf: this is on every write's reply and every listed record.
    const Civil c = toCivil(msSinceEpoch);
    std::string out = "0000-00-00T00:00:00.000Z";
    const auto put = [&out](std::size_t at, unsigned value, int digits) {
        for (int i = digits - 1; i >= 0; --i, value /= 10)
            out[at + static_cast<std::size_t>(i)] = static_cast<char>('0' + value % 10);
    };
    if (c.year < 0 || c.year > 9999)
        return std::to_string(c.year) + out.substr(4);
    put(0, static_cast<unsigned>(c.year), 4);
    put(5, c.month, 2);
    put(8, c.day, 2);
    put(11, c.hour, 2);
    put(14, c.minute, 2);
    put(17, c.second, 2);
    put(20, c.millisecond, 3);
    return out;
}

std::string SimClock::formatHttpDate(qint64 msSinceEpoch)
{
    static constexpr std::array<const char*, 7> Days{"Sun", "Mon", "Tue", "Wed",
                                                     "Thu", "Fri", "Sat"};
    static constexpr std::array<const char*, 12> Months{"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                        "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    const Civil c = toCivil(msSinceEpoch);
    std::array<char, 40> buffer{};
    const int length = std::snprintf(buffer.data(), buffer.size(),
                                     "%s, %02u %s %04d %02u:%02u:%02u GMT", Days[c.weekday], c.day,
                                     Months[c.month - 1], c.year, c.hour, c.minute, c.second);
    return std::string(buffer.data(), static_cast<std::size_t>(std::max(length, 0)));
}

} // namespace pfa::sim
