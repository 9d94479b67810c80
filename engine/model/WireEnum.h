#pragma once

#include <QLatin1String>
#include <QString>
#include <QStringView>

#include <array>
#include <concepts>
#include <cstddef>
#include <optional>
#include <string_view>
#include <type_traits>
#include <utility>

namespace pfa::model {

// Maps an enum to the exact text it has on the wire (database, JSON, NOTIFY payloads). Each enum
// header specialises this with
//   static constexpr std::array<std::pair<E, std::string_view>, N> table;
// so the names live in one table next to the enum instead of in scattered switch statements.
template<typename E>
struct WireNames;

// True for enums that have a WireNames table; lets generic JSON code read and write any of them.
template<typename E>
concept WireEnum = std::is_enum_v<E> && requires
{
    WireNames<E>::table;
};

// The wire name as a view into the static table; empty for a value missing from the table.
template<WireEnum E>
[[nodiscard]] constexpr std::string_view wireView(E value)
{
    for (const auto& [v, name] : WireNames<E>::table) {
        if (v == value)
            return name;
    }
    return {};
}

template<WireEnum E>
[[nodiscard]] QString toWire(E value)
{
    const std::string_view name = wireView(value);
    return QString::fromLatin1(name.data(), static_cast<qsizetype>(name.size()));
}

// Exact, case-sensitive match: the wire format is a contract, not user input to be guessed at.
template<WireEnum E>
[[nodiscard]] std::optional<E> fromWire(QStringView text)
{
    for (const auto& [v, name] : WireNames<E>::table) {
        if (text == QLatin1String(name.data(), static_cast<qsizetype>(name.size())))
            return v;
    }
    return std::nullopt;
}

// "a, b, c": for error messages that list what would have been accepted.
template<WireEnum E>
[[nodiscard]] QString wireNameList()
{
    QString out;
    for (const auto& entry : WireNames<E>::table) {
        if (!out.isEmpty())
            out += QLatin1String(", ");
        out +=
            QString::fromLatin1(entry.second.data(), static_cast<qsizetype>(entry.second.size()));
    }
    return out;
}

namespace detail {

// Compile-time sanity check used by each specialisation: every enumerator 0..N-1 appears in order
// and no wire name repeats, so adding an enumerator without a name fails the build.
template<typename E, std::size_t N>
constexpr bool isCompleteWireTable(const std::array<std::pair<E, std::string_view>, N>& table)
{
    for (std::size_t i = 0; i < N; ++i) {
        if (static_cast<std::size_t>(table[i].first) != i || table[i].second.empty())
            return false;
        for (std::size_t j = i + 1; j < N; ++j) {
            if (table[i].second == table[j].second)
                return false;
        }
    }
    return true;
}

} // namespace detail

} // namespace pfa::model
