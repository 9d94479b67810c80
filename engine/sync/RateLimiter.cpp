#include "sync/RateLimiter.h"

#include "db/Sql.h"

#include <algorithm>

using namespace Qt::StringLiterals;

namespace pfa::sync {

namespace {

using std::chrono::microseconds;

microseconds spacingFor(int rate)
{
    if (rate <= 0)
        return microseconds::zero();
    const qint64 window = (std::chrono::seconds(1) + RateLimiter::Tolerance).count();
    // Floor plus one rather than ceil: `rate` spacings then always exceed the window strictly.
    return microseconds(window / rate + 1);
}

// The slots start at the stored next_slot, or now when the budget was idle (unused time is never
// saved up for a burst). The clock is the server's, shared by every process; after waiting for a
// concurrent reservation's row lock PostgreSQL re-evaluates SET on the newest row, so the wait is
// not mistaken for idle time. Returns the time from now until the new next_slot; the caller
// subtracts the span.
const QString ReserveSql =
    u"UPDATE pems_rate_budget"
    " SET next_slot = greatest(next_slot, clock_timestamp())"
    " + CAST(:span AS bigint) * interval '1 microsecond'"
    " WHERE scope = :scope"
    " RETURNING round(extract(epoch FROM next_slot - clock_timestamp()) * 1000000)::bigint"_s;

// Only for the first reservation of a scope; a concurrent first reservation makes it a no-op.
const QString CreateSql = u"INSERT INTO pems_rate_budget (scope, next_slot)"
                          " VALUES (:scope, clock_timestamp()) ON CONFLICT (scope) DO NOTHING"_s;

} // namespace

RateLimiter::RateLimiter(int requestsPerSecond, QString scope)
    : m_rate(std::max(requestsPerSecond, 0))
    , m_scope(std::move(scope))
    , m_spacing(spacingFor(m_rate))
{}

Expected<std::vector<microseconds>> RateLimiter::reserve(const QSqlDatabase& db, int count) const
{
    if (count < 0)
        return fail(ErrorCode::InvalidInput, u"cannot reserve %1 request slots"_s.arg(count),
                    u"count"_s);
    if (unlimited() || count == 0)
        return std::vector<microseconds>(static_cast<std::size_t>(count), microseconds::zero());

    const qint64 span = m_spacing.count() * count;
    std::optional<qint64> untilNext;
    // The row normally exists, so the usual case is the single UPDATE.
    for (int round = 0; round < 2 && !untilNext; ++round) {
        if (round == 1) {
            auto created = db::runQuery(db, u"create the PEMS rate budget", CreateSql,
                                        {{"scope"_L1, m_scope}});
            if (!created)
                return std::unexpected(created.error());
        }
        auto reserved = db::runQuery(db, u"reserve PEMS request slots", ReserveSql,
                                     {{"span"_L1, span}, {"scope"_L1, m_scope}});
        if (!reserved)
            return std::unexpected(reserved.error());
        if (reserved->next())
            untilNext = reserved->value(0).toLongLong();
    }
    if (!untilNext)
        return fail(ErrorCode::Internal,
                    u"the PEMS rate budget %1 vanished while reserving"_s.arg(m_scope));

    // RETURNING reads the clock a moment after SET did, so an idle budget can come out a few
    // microseconds below zero.
    const microseconds first(std::max<qint64>(*untilNext - span, 0));
    std::vector<microseconds> delays;
    delays.reserve(static_cast<std::size_t>(count));
    for (int i = 0; i < count; ++i)
        delays.push_back(first + i * m_spacing);
    return delays;
}

} // namespace pfa::sync
