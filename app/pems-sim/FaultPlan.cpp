#include "FaultPlan.h"

#include <QString>

using namespace Qt::StringLiterals;

namespace pfa::sim {

namespace {

constexpr int MaxLatencyMs = 600'000;

QString qs(const std::string& text)
{
    return QString::fromUtf8(text.data(), static_cast<qsizetype>(text.size()));
}

std::unexpected<Error> invalid(const QString& field, const QString& message)
{
    return fail(ErrorCode::InvalidInput, message, field);
}

Expected<double> probability(const nlohmann::json& value, const QString& field)
{
    if (!value.is_number())
        return invalid(field, u"%1 must be a number between 0 and 1"_s.arg(field));
    const double p = value.get<double>();
    if (!(p >= 0.0 && p <= 1.0))
        return invalid(field, u"%1 must be between 0 and 1"_s.arg(field));
    return p;
}

Expected<FaultPlan::RouteFaults> routeFromJson(const nlohmann::json& json, const QString& route)
{
    if (!json.is_object())
        return invalid(route, u"routes.%1 must be an object"_s.arg(route));
    FaultPlan::RouteFaults faults;
    for (const auto& [key, value] : json.items()) {
        const QString field = u"routes.%1.%2"_s.arg(route, qs(key));
        std::optional<double>* target = nullptr;
        if (key == "error500")
            target = &faults.error500;
        else if (key == "error503")
            target = &faults.error503;
        else if (key == "error429")
            target = &faults.error429;
        else if (key == "hangProbability")
            target = &faults.hangProbability;
        else if (key == "dropProbability")
            target = &faults.dropProbability;
        else if (key == "garbleProbability")
            target = &faults.garbleProbability;
        if (target) {
            auto p = probability(value, field);
            if (!p)
                return std::unexpected(p.error());
            *target = *p;
        } else if (key == "latencyMs") {
            if (!value.is_number_integer() || value.get<qint64>() < 0 ||
                value.get<qint64>() > MaxLatencyMs)
                return invalid(
                    field, u"%1 must be an integer from 0 to %2"_s.arg(field).arg(MaxLatencyMs));
            faults.latencyMs = value.get<int>();
        } else {
            return invalid(field, u"unknown fault setting %1"_s.arg(field));
        }
    }
    return faults;
}

nlohmann::json routeToJson(const FaultPlan::RouteFaults& faults)
{
    nlohmann::json out = nlohmann::json::object();
    const auto put = [&](const char* key, const auto& value) {
        if (value)
            out[key] = *value;
    };
    put("error500", faults.error500);
    put("error503", faults.error503);
    put("error429", faults.error429);
    put("latencyMs", faults.latencyMs);
    put("hangProbability", faults.hangProbability);
    put("dropProbability", faults.dropProbability);
    put("garbleProbability", faults.garbleProbability);
    return out;
}

template<typename T>
std::optional<T> either(const std::optional<T>& specific, const std::optional<T>& fallback)
{
    return specific ? specific : fallback;
}

} // namespace

Expected<FaultPlan> FaultPlan::fromJson(const nlohmann::json& json)
{
    if (!json.is_object())
        return invalid(u"body"_s, u"the fault plan must be a JSON object"_s);
    FaultPlan plan;
    for (const auto& [key, value] : json.items()) {
        if (key == "seed") {
            if (!value.is_number_integer())
                return invalid(u"seed"_s, u"seed must be an integer"_s);
            plan.m_seed = value.is_number_unsigned() ? value.get<quint64>()
                                                     : static_cast<quint64>(value.get<qint64>());
        } else if (key == "retryAfterFormat") {
            if (value == "seconds")
                plan.m_retryAfterFormat = RetryAfterFormat::Seconds;
            else if (value == "http-date")
                plan.m_retryAfterFormat = RetryAfterFormat::HttpDate;
            else
                return invalid(u"retryAfterFormat"_s,
                               u"retryAfterFormat must be \"seconds\" or \"http-date\""_s);
        } else if (key == "routes") {
            if (!value.is_object())
                return invalid(u"routes"_s, u"routes must be an object"_s);
            for (const auto& [name, faultsJson] : value.items()) {
                const QString route = qs(name);
                auto faults = routeFromJson(faultsJson, route);
                if (!faults)
                    return std::unexpected(faults.error());
                if (route == u"*") {
                    plan.m_any = *faults;
                } else if (const auto kind = routeKindFromName(route)) {
                    plan.m_routes[static_cast<std::size_t>(*kind)] = *faults;
                } else {
                    return invalid(
                        u"routes."_s + route,
                        u"unknown route \"%1\" (PUT, DELETE, GET, LIST, HEALTH, OTHER or *)"_s.arg(
                            route));
                }
                plan.m_active = true;
            }
        } else {
            return invalid(qs(key), u"unknown key \"%1\" in the fault plan"_s.arg(qs(key)));
        }
    }
    plan.m_random.seed(plan.m_seed);
    return plan;
}

nlohmann::json FaultPlan::toJson() const
{
    nlohmann::json routes = nlohmann::json::object();
    for (int i = 0; i < RouteKindCount; ++i) {
        if (const auto& faults = m_routes[static_cast<std::size_t>(i)])
            routes[routeKindName(static_cast<RouteKind>(i))] = routeToJson(*faults);
    }
    if (m_any)
        routes["*"] = routeToJson(*m_any);
    return {{"seed", m_seed},
            {"retryAfterFormat",
             m_retryAfterFormat == RetryAfterFormat::HttpDate ? "http-date" : "seconds"},
            {"routes", routes}};
}

FaultPlan::RouteFaults FaultPlan::effective(RouteKind kind) const
{
    const std::optional<RouteFaults>& specific = m_routes[static_cast<std::size_t>(kind)];
    if (!specific)
        return m_any.value_or(RouteFaults{});
    if (!m_any)
        return *specific;
    return {either(specific->error500, m_any->error500),
            either(specific->error503, m_any->error503),
            either(specific->error429, m_any->error429),
            either(specific->latencyMs, m_any->latencyMs),
            either(specific->hangProbability, m_any->hangProbability),
            either(specific->dropProbability, m_any->dropProbability),
            either(specific->garbleProbability, m_any->garbleProbability)};
}

double FaultPlan::draw()
{
    // 53 random bits as a double in [0, 1): the same on every platform, unlike
    // std::uniform_real_distribution, whose algorithm the standard leaves open.
    return static_cast<double>(m_random() >> 11) * 0x1.0p-53;
}

FaultPlan::Decision FaultPlan::decide(RouteKind kind)
{
    Decision decision;
    if (!m_active)
        return decision;
    const RouteFaults faults = effective(kind);
    decision.latencyMs = faults.latencyMs.value_or(0);
    const bool random = faults.error500 || faults.error503 || faults.error429 ||
                        faults.hangProbability || faults.dropProbability ||
                        faults.garbleProbability;
    if (!random)
        return decision;

    // Always six draws, whatever fires, so that which fault a request got does not shift the
    // draws of the requests after it.
    const double e500 = draw();
    const double e503 = draw();
    const double e429 = draw();
    const double hang = draw();
    const double drop = draw();
    const double garble = draw();
    if (e500 < faults.error500.value_or(0.0))
        decision.errorStatus = 500;
    else if (e503 < faults.error503.value_or(0.0))
        decision.errorStatus = 503;
    else if (e429 < faults.error429.value_or(0.0))
        decision.errorStatus = 429;
    else if (hang < faults.hangProbability.value_or(0.0))
        decision.hang = true;
    else if (drop < faults.dropProbability.value_or(0.0))
        decision.drop = true;
    else if (garble < faults.garbleProbability.value_or(0.0))
        decision.garble = true;
    return decision;
}

} // namespace pfa::sim
