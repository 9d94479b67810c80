#pragma once

#include "model/Error.h"

#include <QString>
#include <QStringView>
#include <QtGlobal>

#include <compare>

namespace pfa::model {

// Exact decimal money (monthlyRate, purchasePrice). Stored as a whole number of ten-thousandths so
// that amounts never pass through binary floating point, where 0.1 + 0.2 != 0.3.
class Money
{
public:
    static constexpr int Scale = 4;
    static constexpr qint64 UnitsPerWhole = 10000;

    constexpr Money() = default;

    // Strict decimal text: optional '-', digits, optionally '.' and 1 to 4 digits. No blanks, no
    // '+', no exponent, no grouping; anything else is refused rather than guessed at.
    [[nodiscard]] static Expected<Money> parse(QStringView text);
    [[nodiscard]] static constexpr Money fromUnits(qint64 tenThousandths)
    {
        Money m;
        m.m_units = tenThousandths;
        return m;
    }

    [[nodiscard]] constexpr qint64 units() const { return m_units; }
    [[nodiscard]] constexpr bool isNegative() const { return m_units < 0; }

    // Canonical text: at least two decimals, further trailing zeros trimmed ("1234.50", "0.0001").
    [[nodiscard]] QString toString() const;

    friend constexpr auto operator<=>(const Money&, const Money&) = default;
    friend constexpr bool operator==(const Money&, const Money&) = default;

private:
    qint64 m_units = 0;
};

} // namespace pfa::model
