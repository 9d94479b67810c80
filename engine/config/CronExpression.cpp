#include "config/CronExpression.h"

#include <QList>
#include <QTimeZone>

#include <array>
#include <span>

using namespace Qt::StringLiterals;

namespace pfa::config {
namespace {

// A century covers every satisfiable expression: the rarest, Feb 29 on a given weekday, recurs
// within 40 years even across a skipped leap year such as 2100.
constexpr int kSearchYears = 100;
// Longest DST jump we expect (whole-hour jumps, plus Lord Howe's 30 minutes, plus slack).
constexpr int kMaxGapMinutes = 180;

constexpr std::array kMonthNames{"JAN"_L1, "FEB"_L1, "MAR"_L1, "APR"_L1, "MAY"_L1, "JUN"_L1,
                                 "JUL"_L1, "AUG"_L1, "SEP"_L1, "OCT"_L1, "NOV"_L1, "DEC"_L1};
constexpr std::array kWeekdayNames{"SUN"_L1, "MON"_L1, "TUE"_L1, "WED"_L1,
                                   "THU"_L1, "FRI"_L1, "SAT"_L1};

struct FieldSpec
{
    QLatin1StringView name;
    int minimum;
    int maximum;
    std::span<const QLatin1StringView> names; // names[i] stands for the value i + nameBase
    int nameBase;
};

const std::array<FieldSpec, 5> kFields{{
    {"minute"_L1, 0, 59, {}, 0},
    {"hour"_L1, 0, 23, {}, 0},
    {"day-of-month"_L1, 1, 31, {}, 0},
    {"month"_L1, 1, 12, kMonthNames, 1},
    // 7 is accepted as Sunday and folded onto 0 after parsing.
    {"day-of-week"_L1, 0, 7, kWeekdayNames, 0},
}};

bool isBitSet(std::uint64_t mask, int bit)
{
    return ((mask >> bit) & 1U) != 0;
}

bool isAllDigits(QStringView text)
{
    if (text.isEmpty())
        return false;
    for (QChar c : text) {
        if (c < u'0' || c > u'9')
            return false;
    }
    return true;
}

std::unexpected<pfa::Error> fieldError(const FieldSpec& spec, const QString& rule)
{
    const QString name(spec.name);
    return pfa::fail(pfa::ErrorCode::InvalidInput, name + u": "_s + rule, name);
}

pfa::Expected<int> parseValue(QStringView token, const FieldSpec& spec)
{
    if (isAllDigits(token)) {
        bool ok = false;
        const int value = token.toInt(&ok);
        if (!ok || value < spec.minimum || value > spec.maximum) {
            return fieldError(
                spec, u"%1 is outside %2-%3"_s.arg(token).arg(spec.minimum).arg(spec.maximum));
        }
        return value;
    }
    for (std::size_t i = 0; i < spec.names.size(); ++i) {
        if (token.compare(spec.names[i], Qt::CaseInsensitive) == 0)
            return static_cast<int>(i) + spec.nameBase;
    }
    if (spec.names.empty())
        return fieldError(spec, u"\"%1\" is not a number"_s.arg(token));
    return fieldError(spec, u"\"%1\" is not a number or a name (%2-%3)"_s.arg(
                                token, spec.names.front(), spec.names.back()));
}

pfa::Expected<std::uint64_t> parseElement(QStringView element, const FieldSpec& spec)
{
    const qsizetype slash = element.indexOf(u'/');
    const bool hasStep = slash >= 0;
    const QStringView range = hasStep ? element.first(slash) : element;

    int step = 1;
    if (hasStep) {
        const QStringView stepText = element.sliced(slash + 1);
        bool ok = isAllDigits(stepText);
        if (ok)
            step = stepText.toInt(&ok);
        if (!ok || step < 1) {
            return fieldError(spec,
                              u"step \"%1\" is not a whole number of at least 1"_s.arg(stepText));
        }
    }

    int low = spec.minimum;
    int high = spec.maximum;
    if (range != u"*") {
        const qsizetype dash = range.indexOf(u'-');
        const auto first = parseValue(dash >= 0 ? range.first(dash) : range, spec);
        if (!first)
            return std::unexpected(first.error());
        low = *first;
        if (dash >= 0) {
            const auto last = parseValue(range.sliced(dash + 1), spec);
            if (!last)
                return std::unexpected(last.error());
            high = *last;
            if (low > high)
                return fieldError(spec, u"range %1 runs backwards"_s.arg(range));
        } else if (!hasStep) {
            high = low;
        }
    }

    std::uint64_t mask = 0;
    for (int value = low; value <= high; value += step)
        mask |= std::uint64_t{1} << value;
    return mask;
}

pfa::Expected<std::uint64_t> parseField(QStringView text, const FieldSpec& spec)
{
    std::uint64_t mask = 0;
    for (QStringView element : text.split(u',')) {
        if (element.isEmpty())
            return fieldError(spec, u"empty element in list \"%1\""_s.arg(text));
        const auto bits = parseElement(element, spec);
        if (!bits)
            return bits;
        mask |= *bits;
    }
    return mask;
}

QList<QStringView> splitOnWhitespace(QStringView text)
{
    QList<QStringView> parts;
    qsizetype i = 0;
    while (i < text.size()) {
        while (i < text.size() && text[i].isSpace())
            ++i;
        const qsizetype start = i;
        while (i < text.size() && !text[i].isSpace())
            ++i;
        if (i > start)
            parts.append(text.sliced(start, i - start));
    }
    return parts;
}

// The same wall-clock date and time in the time spec of `like`.
QDateTime inSpecOf(QDate date, QTime time, const QDateTime& like)
{
    switch (like.timeSpec()) {
    case Qt::TimeZone:
        return QDateTime(date, time, like.timeZone());
    case Qt::OffsetFromUTC:
        return QDateTime(date, time, Qt::OffsetFromUTC, like.offsetFromUtc());
    case Qt::UTC:
    case Qt::LocalTime:
        return QDateTime(date, time, like.timeSpec());
    }
    return {};
}

// The earliest instant after `after` that shows the wall-clock time `date` `time` in after's time
// spec, or invalid if there is none (the caller then moves on to the next candidate).
QDateTime resolveWallClock(QDate date, QTime time, const QDateTime& after)
{
    QDateTime fire = inSpecOf(date, time, after);
    if (!fire.isValid()) {
        // Skipped by a DST jump forward: fire as soon as the clock resumes, as Vixie cron does.
        // Wall-clock arithmetic is done in UTC, which has no jumps.
        const QDateTime wall(date, time, Qt::UTC);
        for (int minutes = 1; minutes <= kMaxGapMinutes && !fire.isValid(); ++minutes) {
            const QDateTime later = wall.addSecs(qint64{60} * minutes);
            fire = inSpecOf(later.date(), later.time(), after);
        }
        return fire.isValid() && fire > after ? fire : QDateTime();
    }
    // In a repeated hour Qt picks the later occurrence; take the earlier one if it is still ahead.
    for (const int shift : {3600, 1800}) {
        const QDateTime earlier = fire.addSecs(-shift);
        if (earlier.date() == date && earlier.time() == time && earlier > after)
            return earlier;
    }
    return fire > after ? fire : QDateTime();
}

} // namespace

pfa::Expected<CronExpression> CronExpression::parse(QStringView text)
{
    const QList<QStringView> fields = splitOnWhitespace(text);
    if (fields.size() != static_cast<qsizetype>(kFields.size())) {
        return pfa::fail(pfa::ErrorCode::InvalidInput,
                         u"expected 5 fields (minute hour day-of-month month day-of-week) but "
                         u"found %1"_s.arg(fields.size()));
    }

    std::array<std::uint64_t, 5> masks{};
    for (std::size_t i = 0; i < kFields.size(); ++i) {
        const auto mask = parseField(fields[static_cast<qsizetype>(i)], kFields[i]);
        if (!mask)
            return std::unexpected(mask.error());
        masks[i] = *mask;
    }

    CronExpression cron;
    cron.m_minutes = masks[0];
    cron.m_hours = masks[1];
    cron.m_days = masks[2];
    cron.m_months = masks[3];
    constexpr std::uint64_t sundayAsSeven = std::uint64_t{1} << 7;
    cron.m_weekdays = masks[4] & ~sundayAsSeven;
    if ((masks[4] & sundayAsSeven) != 0)
        cron.m_weekdays |= 1U;
    // Vixie decides "restricted" by the first character, so `*/2` still counts as unrestricted.
    cron.m_dayStar = fields[2].startsWith(u'*');
    cron.m_weekdayStar = fields[4].startsWith(u'*');

    QStringList parts;
    for (QStringView field : fields)
        parts.append(field.toString());
    cron.m_text = parts.join(u' ');
    return cron;
}

bool CronExpression::matchesDay(QDate date) const
{
    const bool day = isBitSet(m_days, date.day());
    const bool weekday = isBitSet(m_weekdays, date.dayOfWeek() % 7); // Qt: 7 = Sunday
    return (m_dayStar || m_weekdayStar) ? (day && weekday) : (day || weekday);
}

QDateTime CronExpression::nextAfter(const QDateTime& t) const
{
    if (!t.isValid())
        return {};

    // Start at the next whole minute of t's wall clock; UTC keeps that arithmetic free of jumps.
    const QDateTime start =
        QDateTime(t.date(), QTime(t.time().hour(), t.time().minute()), Qt::UTC).addSecs(60);
    QDate date = start.date();
    int firstHour = start.time().hour();
    int firstMinute = start.time().minute();
    const QDate limit = date.addYears(kSearchYears);

    while (date.isValid() && date <= limit) {
        if (!isBitSet(m_months, date.month())) {
            date = QDate(date.year(), date.month(), 1).addMonths(1);
            firstHour = firstMinute = 0;
            continue;
        }
        if (matchesDay(date)) {
            for (int hour = firstHour; hour < 24; ++hour) {
                if (!isBitSet(m_hours, hour))
                    continue;
                for (int minute = hour == firstHour ? firstMinute : 0; minute < 60; ++minute) {
                    if (!isBitSet(m_minutes, minute))
                        continue;
                    const QDateTime fire = resolveWallClock(date, QTime(hour, minute), t);
                    if (fire.isValid())
                        return fire;
                }
            }
        }
        date = date.addDays(1);
        firstHour = firstMinute = 0;
    }
    return {};
}

} // namespace pfa::config
