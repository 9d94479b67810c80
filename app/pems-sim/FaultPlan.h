#pragma once

#include "RouteKind.h"

#include "model/Error.h"

#include <nlohmann/json.hpp>

#include <array>
#include <optional>
#include <random>

namespace pfa::sim {

// Faults scripted through PUT /__admin/faults, per route kind with "*" as the fallback for every
// setting a route leaves out. Decisions come from one generator seeded by the plan, so the same
// plan and the same sequence of requests give the same faults.
class FaultPlan final
{
public:
    enum class RetryAfterFormat
    {
        Seconds,
        HttpDate,
    };

    struct RouteFaults
    {
        std::optional<double> error500;
        std::optional<double> error503;
        std::optional<double> error429;
        std::optional<int> latencyMs;
        std::optional<double> hangProbability;
        std::optional<double> dropProbability;
        std::optional<double> garbleProbability;
    };

    // What happens to one request. errorStatus 0: it is served; then hang or drop may lose the
    // response, or garble may mangle its body (the request itself is applied, as when a real
    // network loses an answer).
    struct Decision
    {
        int errorStatus = 0;
        int latencyMs = 0;
        bool hang = false;
        bool drop = false;
        bool garble = false; // answered in full, but the body is not JSON
    };

    // {seed, retryAfterFormat, routes: {"PUT": {...}, "*": {...}}}; unknown keys and values out of
    // range are refused (InvalidInput naming the key).
    [[nodiscard]] static Expected<FaultPlan> fromJson(const nlohmann::json& json);
    [[nodiscard]] nlohmann::json toJson() const;

    [[nodiscard]] RetryAfterFormat retryAfterFormat() const { return m_retryAfterFormat; }
    [[nodiscard]] bool isEmpty() const { return !m_active; }

    [[nodiscard]] Decision decide(RouteKind kind);

private:
    [[nodiscard]] RouteFaults effective(RouteKind kind) const;
    [[nodiscard]] double draw();

    quint64 m_seed = 0;
    RetryAfterFormat m_retryAfterFormat = RetryAfterFormat::Seconds;
    std::array<std::optional<RouteFaults>, RouteKindCount> m_routes;
    std::optional<RouteFaults> m_any;
    bool m_active = false;
    std::mt19937_64 m_random;
};

} // namespace pfa::sim
