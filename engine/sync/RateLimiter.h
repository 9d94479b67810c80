#pragma once

#include "model/Error.h"

#include <QSqlDatabase>
#include <QString>

#include <chrono>
#include <vector>

namespace pfa::sync {

// Spaces requests toward PEMS so that no 1-second window holds more than PEMS_API_RATE_LIMIT of
// them, across threads and across every process sharing the database (DESIGN "Sync semantics").
// Send slots come from one row of pems_rate_budget per scope, on the database server's clock.
//
// Slots are spaced by (1 s + Tolerance) / rate, rounded up, so any rate+1 consecutive slots span
// more than 1.015 s: a request may reach PEMS up to Tolerance after its slot (scheduling, the
// network, QNetworkAccessManager's HTTP thread) and its window still holds at most `rate`
// requests.
//
// Stateless apart from its settings, so one instance may serve every thread; each thread passes
// its own connection.
class RateLimiter final
{
public:
    static constexpr std::chrono::microseconds Tolerance{15'000};

    // `requestsPerSecond` <= 0 means unlimited.
    explicit RateLimiter(int requestsPerSecond, QString scope = QStringLiteral("pems"));

    [[nodiscard]] bool unlimited() const { return m_rate <= 0; }
    [[nodiscard]] int requestsPerSecond() const { return m_rate; }
    [[nodiscard]] const QString& scope() const { return m_scope; }
    // Time between two consecutive slots; zero when unlimited.
    [[nodiscard]] std::chrono::microseconds spacing() const { return m_spacing; }

    // Reserves `count` consecutive send slots and returns each slot's delay from now, in order
    // (non-decreasing; the first is 0 when the budget was idle). Sleep that long, then send.
    // Unlimited: `count` zeros, without touching the database. A negative count is InvalidInput.
    //
    // `db` must be in autocommit (no open Transaction): the reservation is one statement, and
    // inside a transaction its row lock would be held to the end of that transaction, making
    // every other worker wait.
    [[nodiscard]] Expected<std::vector<std::chrono::microseconds>> reserve(const QSqlDatabase& db,
                                                                           int count) const;

private:
    const int m_rate;
    const QString m_scope;
    const std::chrono::microseconds m_spacing;
};

} // namespace pfa::sync
