#pragma once

#include "model/Error.h"

#include <QDateTime>
#include <QString>
#include <QStringView>

#include <cstdint>

namespace pfa::config {

// A standard five-field cron schedule: minute hour day-of-month month day-of-week.
// Supports `*`, lists, ranges, steps (`*/n`, `a-b/n`, `a/n` = a to the field's maximum), month and
// weekday names, 0 and 7 for Sunday. As in Vixie cron, when both day fields are restricted (neither
// starts with `*`) a day matches if either field matches; otherwise both must.
class CronExpression
{
public:
    // Errors carry ErrorCode::InvalidInput, the field name in `field` and a message that starts
    // with it, e.g. "hour: 25 is outside 0-23".
    [[nodiscard]] static pfa::Expected<CronExpression> parse(QStringView text);

    // The next fire time strictly after `t`, in t's time spec (UTC, offset, local or zone).
    // Wall-clock semantics across DST: a repeated hour fires once (its first occurrence); times
    // that fall into a skipped hour fire when the hour ends, as Vixie cron does. Returns an invalid
    // QDateTime if `t` is invalid or nothing matches within a century (e.g. `0 0 31 2 *`).
    [[nodiscard]] QDateTime nextAfter(const QDateTime& t) const;

    // The expression with its fields separated by single spaces.
    [[nodiscard]] QString toString() const { return m_text; }

    bool operator==(const CronExpression& other) const = default;

private:
    CronExpression() = default;

    [[nodiscard]] bool matchesDay(QDate date) const;

    // Bit n set = value n allowed. Days of the week use 0 = Sunday.
    std::uint64_t m_minutes = 0;
    std::uint64_t m_hours = 0;
    std::uint64_t m_days = 0;
    std::uint64_t m_months = 0;
    std::uint64_t m_weekdays = 0;
    bool m_dayStar = false;
    bool m_weekdayStar = false;
    QString m_text;
};

} // namespace pfa::config
