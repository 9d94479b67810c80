#include "RouteKind.h"

#include <QLatin1StringView>

namespace pfa::sim {

const char* routeKindName(RouteKind kind)
{
    switch (kind) {
    case RouteKind::Put:
        return "PUT";
    case RouteKind::Delete:
        return "DELETE";
    case RouteKind::Get:
        return "GET";
    case RouteKind::List:
        return "LIST";
    case RouteKind::Health:
        return "HEALTH";
    case RouteKind::Other:
        return "OTHER";
    }
    return "OTHER";
}

std::optional<RouteKind> routeKindFromName(QStringView name)
{
    for (int i = 0; i < RouteKindCount; ++i) {
        const auto kind = static_cast<RouteKind>(i);
        if (name == QLatin1StringView(routeKindName(kind)))
            return kind;
    }
    return std::nullopt;
}

} // namespace pfa::sim
