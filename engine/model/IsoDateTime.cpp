#include "model/IsoDateTime.h"

#include <QRegularExpression>

using namespace Qt::StringLiterals;

namespace pfa::model {

namespace {

constexpr int SecondsPerMinute = 60;
constexpr int SecondsPerHour = 3600;

int toInt(const QRegularExpressionMatch& match, int group)
{
    return match.capturedView(group).toInt();
}

} // namespace

Expected<QDateTime> parseIsoDateTime(QStringView text)
{
    // [0-9] rather than \d: Qt's PCRE runs in Unicode mode, where \d also matches e.g. Arabic
    // digits.
    static const QRegularExpression pattern(
        u"^([0-9]{4})-([0-9]{2})-([0-9]{2})"
        u"(?:T([0-9]{2}):([0-9]{2})(?::([0-9]{2})(?:\\.([0-9]{1,9}))?)?"
        u"(Z|([+-])([0-9]{2}):([0-9]{2}))?)?$"_s);
    const QString subject = text.toString();
    const QRegularExpressionMatch m = pattern.match(subject);
    if (!m.hasMatch()) {
        return fail(ErrorCode::InvalidInput,
                    u"\"%1\" is not an ISO-8601 date-time (expected e.g. 2026-03-01T08:00:00Z or "
                    u"2026-03-01)"_s.arg(subject));
    }

    const QDate date(toInt(m, 1), toInt(m, 2), toInt(m, 3));
    if (!date.isValid())
        return fail(ErrorCode::InvalidInput, u"\"%1\" is not a real calendar date"_s.arg(subject));

    const bool hasTime = m.lastCapturedIndex() >= 4;
    if (!hasTime)
        return QDateTime(date, QTime(0, 0), Qt::UTC);

    if (m.capturedView(8).isEmpty()) {
        return fail(
            ErrorCode::InvalidInput,
            u"\"%1\" has no time zone; add 'Z' for UTC or an offset such as +01:00"_s.arg(subject));
    }

    const int ms = m.capturedView(7).isEmpty()
                       ? 0
                       : m.capturedView(7).left(3).toString().leftJustified(3, u'0').toInt();
    const QTime time(toInt(m, 4), toInt(m, 5), m.capturedView(6).isEmpty() ? 0 : toInt(m, 6), ms);
    if (!time.isValid())
        return fail(ErrorCode::InvalidInput, u"\"%1\" is not a real time of day"_s.arg(subject));

    int offsetSeconds = 0;
    if (m.capturedView(8) != u"Z") {
        const int hours = toInt(m, 10);
        const int minutes = toInt(m, 11);
        if (hours > 23 || minutes > 59) {
            return fail(ErrorCode::InvalidInput,
                        u"\"%1\" has an impossible UTC offset"_s.arg(subject));
        }
        offsetSeconds = hours * SecondsPerHour + minutes * SecondsPerMinute;
        if (m.capturedView(9) == u"-")
            offsetSeconds = -offsetSeconds;
    }
    // Local wall time minus its offset is the UTC instant.
    return QDateTime(date, time, Qt::UTC).addSecs(-offsetSeconds);
}

QString toIsoUtc(const QDateTime& at)
{
    if (!at.isValid())
        return {};
    return at.toUTC().toString(Qt::ISODateWithMs);
}

} // namespace pfa::model
