#include "model/Money.h"

#include <limits>

using namespace Qt::StringLiterals;

namespace pfa::model {

namespace {

bool isAsciiDigit(QChar c)
{
    return c >= u'0' && c <= u'9';
}

QString quoted(QStringView text)
{
    return u'"' + text.toString() + u'"';
}

} // namespace

Expected<Money> Money::parse(QStringView text)
{
    if (text.trimmed().isEmpty())
        return fail(ErrorCode::InvalidInput, u"money value is blank"_s);

    qsizetype pos = 0;
    const bool negative = text.front() == u'-';
    if (negative)
        ++pos;

    const qsizetype intStart = pos;
    while (pos < text.size() && isAsciiDigit(text[pos]))
        ++pos;
    const QStringView intPart = text.mid(intStart, pos - intStart);

    QStringView fracPart;
    bool hasPoint = false;
    if (pos < text.size() && text[pos] == u'.') {
        hasPoint = true;
        const qsizetype fracStart = ++pos;
        while (pos < text.size() && isAsciiDigit(text[pos]))
            ++pos;
        fracPart = text.mid(fracStart, pos - fracStart);
    }

    if (pos < text.size()) {
        const QChar c = text[pos];
        if (c == u'e' || c == u'E') {
            return fail(ErrorCode::InvalidInput,
                        u"money value %1 uses an exponent; write it as a plain decimal"_s.arg(
                            quoted(text)));
        }
        return fail(
            ErrorCode::InvalidInput,
            u"money value %1 is not a decimal number (unexpected character at position %2)"_s
                .arg(quoted(text))
                .arg(pos + 1));
    }
    if (intPart.isEmpty() || (hasPoint && fracPart.isEmpty())) {
        return fail(ErrorCode::InvalidInput,
                    u"money value %1 is not a decimal number (digits are needed on both sides of "
                    u"the point)"_s.arg(quoted(text)));
    }
    if (fracPart.size() > Scale) {
        return fail(
            ErrorCode::InvalidInput,
            u"money value %1 has more than %2 decimal places"_s.arg(quoted(text)).arg(Scale));
    }

    // Accumulate the magnitude with overflow checks; the range is that of qint64 units, i.e. about
    // ±922 trillion, which no real rate or price reaches, so overflow means bad input.
    qint64 units = 0;
    bool overflow = false;
    for (QChar c : intPart) {
        overflow |= __builtin_mul_overflow(units, qint64{10}, &units);
        overflow |= __builtin_add_overflow(units, qint64{c.unicode() - u'0'}, &units);
    }
    for (qsizetype i = 0; i < Scale; ++i) {
        const qint64 digit = i < fracPart.size() ? qint64{fracPart[i].unicode() - u'0'} : 0;
        overflow |= __builtin_mul_overflow(units, qint64{10}, &units);
        overflow |= __builtin_add_overflow(units, digit, &units);
    }
    if (overflow) {
        return fail(ErrorCode::InvalidInput,
                    u"money value %1 is out of range (at most %2)"_s.arg(
                        quoted(text), fromUnits(std::numeric_limits<qint64>::max()).toString()));
    }
    return fromUnits(negative ? -units : units);
}

QString Money::toString() const
{
    // Work on the unsigned magnitude so that the most negative qint64 has no overflow.
    const quint64 magnitude =
        m_units < 0 ? quint64{0} - static_cast<quint64>(m_units) : static_cast<quint64>(m_units);
    const quint64 whole = magnitude / UnitsPerWhole;
    QString fraction = QString::number(magnitude % UnitsPerWhole).rightJustified(Scale, u'0');
    while (fraction.size() > 2 && fraction.endsWith(u'0'))
        fraction.chop(1);
    return (m_units < 0 ? u"-"_s : QString()) + QString::number(whole) + u'.' + fraction;
}

} // namespace pfa::model
