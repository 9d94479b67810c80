#pragma once

#include <QString>

#include <optional>

namespace pfa::sim {

// The kinds of /api/pems request that statistics and fault plans tell apart.
enum class RouteKind : quint8
{
    Put,
    Delete,
    Get,
    List,
    Health,
    Other,
};

inline constexpr int RouteKindCount = 6;

[[nodiscard]] const char* routeKindName(RouteKind kind);
[[nodiscard]] std::optional<RouteKind> routeKindFromName(QStringView name);

} // namespace pfa::sim
