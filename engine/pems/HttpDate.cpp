#include "pems/HttpDate.h"

#include <QRegularExpression>
#include <QString>

#include <array>
#include <string_view>

using namespace Qt::StringLiterals;

namespace pfa::pems {

namespace {

constexpr std::array<std::string_view, 12> kMonths{"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                   "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

int monthNumber(QStringView name)
{
    for (std::size_t i = 0; i < kMonths.size(); ++i) {
        if (name == QLatin1String(kMonths[i].data(), static_cast<qsizetype>(kMonths[i].size())))
            return static_cast<int>(i) + 1;
    }
    return 0;
}

std::optional<QDateTime> make(int year, int month, int day, int hour, int minute, int second)
{
    const QDate date(year, month, day);
    // 60 would be a leap second, which QTime cannot hold; HTTP dates never carry one in practice.
    const QTime time(hour, minute, second);
    if (month == 0 || !date.isValid() || !time.isValid())
        return std::nullopt;
    return QDateTime(date, time, Qt::UTC);
}

int number(const QRegularExpressionMatch& match, int group)
{
    return match.capturedView(group).toInt();
}

} // namespace

std::optional<QDateTime> parseHttpDate(QByteArrayView text)
{
    static const QRegularExpression imfFixdate(
        u"^(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun), (\\d{2}) ([A-Z][a-z]{2}) (\\d{4}) "
        "(\\d{2}):(\\d{2}):(\\d{2}) GMT$"_s);
    static const QRegularExpression rfc850(
        u"^(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday), (\\d{2})-([A-Z][a-z]{2})-"
        "(\\d{2}) (\\d{2}):(\\d{2}):(\\d{2}) GMT$"_s);
    static const QRegularExpression asctime(
        u"^(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun) ([A-Z][a-z]{2}) ([ \\d]\\d) (\\d{2}):(\\d{2}):(\\d{2}) "
        "(\\d{4})$"_s);

    const QString value = QString::fromLatin1(text.data(), text.size()).trimmed();

    if (const auto m = imfFixdate.match(value); m.hasMatch()) {
        return make(number(m, 3), monthNumber(m.capturedView(2)), number(m, 1), number(m, 4),
                    number(m, 5), number(m, 6));
    }
    if (const auto m = rfc850.match(value); m.hasMatch()) {
        const int yy = number(m, 3);
        return make(yy < 70 ? 2000 + yy : 1900 + yy, monthNumber(m.capturedView(2)), number(m, 1),
                    number(m, 4), number(m, 5), number(m, 6));
    }
    if (const auto m = asctime.match(value); m.hasMatch()) {
        return make(number(m, 6), monthNumber(m.capturedView(1)),
                    m.capturedView(2).trimmed().toInt(), number(m, 3), number(m, 4), number(m, 5));
    }
    return std::nullopt;
}

} // namespace pfa::pems
