#include "support/TestDatabase.h"
#include "support/Verify.h"
#include "sync/RateLimiter.h"

#include <QSemaphore>
#include <QTest>
#include <QThread>

#include <algorithm>
#include <chrono>
#include <memory>

using namespace Qt::StringLiterals;
using namespace std::chrono_literals;
using pfa::sync::RateLimiter;
using std::chrono::microseconds;

namespace pfa::test {

namespace {

using Clock = std::chrono::steady_clock;

// One reserve() call as a client sees it: the server's "now" lies between `before` and `after`,
// so slot i is due somewhere in [before + delays[i], after + delays[i]].
struct Reservation
{
    Clock::time_point before;
    Clock::time_point after;
    std::vector<microseconds> delays;
};

// A slot converted to absolute (client steady-clock) time, with the uncertainty of the call.
struct AbsoluteSlot
{
    Clock::time_point earliest;
    Clock::time_point latest;
};

std::vector<AbsoluteSlot> absoluteSlots(const std::vector<Reservation>& reservations)
{
    std::vector<AbsoluteSlot> slots;
    for (const Reservation& r : reservations)
        for (const microseconds delay : r.delays)
            slots.push_back({r.before + delay, r.after + delay});
    std::ranges::sort(
        slots, {}, [](const AbsoluteSlot& s) { return s.earliest + (s.latest - s.earliest) / 2; });
    return slots;
}

} // namespace

// The shared PEMS budget: slots come from one row per scope, spaced so that no 1-second window
// exceeds the rate, and concurrent clients never get the same slot.
class TstRateLimiter final : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void init();
    void cleanup();

    void spacingLeavesTheTolerance();
    void idleBudgetSendsAtOnceAndSpacesTheRest();
    void laterReservationsQueueBehindEarlierOnes();
    void unusedTimeIsNotSavedForABurst();
    void scopesAreIndependent();
    void concurrentThreadsGetDisjointSlots();
    void unlimitedTouchesNothing();
    void zeroAndNegativeCounts();

private:
    // pems_rate_budget.next_slot of `scope`, in microseconds since the epoch (server clock).
    qint64 nextSlot(const QString& scope = u"pems"_s);
    // Moves the scope's next_slot to the server's now + `offset`; returns the new value.
    qint64 setNextSlot(microseconds offset, const QString& scope = u"pems"_s);
    qint64 budgetRows();

    std::unique_ptr<TestDatabase> m_db;
};

void TstRateLimiter::init()
{
    auto created = TestDatabase::create();
    PFA_VERIFY_OK(created);
    m_db = std::move(*created);
}

void TstRateLimiter::cleanup()
{
    m_db.reset();
}

qint64 TstRateLimiter::nextSlot(const QString& scope)
{
    const auto value = m_db->value(u"SELECT round(extract(epoch FROM next_slot) * 1000000)::bigint"
                                   " FROM pems_rate_budget WHERE scope = :scope"_s,
                                   {{"scope"_L1, scope}});
    if (!value || !value->isValid()) {
        qWarning("no budget row for %s", qPrintable(scope));
        return -1;
    }
    return value->toLongLong();
}

qint64 TstRateLimiter::setNextSlot(microseconds offset, const QString& scope)
{
    const auto value = m_db->value(
        u"INSERT INTO pems_rate_budget (scope, next_slot)"
        " VALUES (:scope, clock_timestamp() + CAST(:offset AS bigint) * interval '1 microsecond')"
        " ON CONFLICT (scope) DO UPDATE SET next_slot = EXCLUDED.next_slot"
        " RETURNING round(extract(epoch FROM next_slot) * 1000000)::bigint"_s,
        {{"scope"_L1, scope}, {"offset"_L1, qint64(offset.count())}});
    if (!value) {
        qWarning("%s", qPrintable(value.error().toString()));
        return -1;
    }
    return value->toLongLong();
}

qint64 TstRateLimiter::budgetRows()
{
    return m_db->count(u"SELECT count(*) FROM pems_rate_budget"_s).value_or(-1);
}

void TstRateLimiter::spacingLeavesTheTolerance()
{
    // A loop rather than data rows: init() creates a database per row, and this needs none.
    for (const int rate : {1, 2, 3, 7, 10, 25, 100, 1000, 1'010'000, 2'000'000}) {
        const RateLimiter limiter(rate);
        const QByteArray context = QByteArray::number(rate) + "/s: spacing " +
                                   QByteArray::number(qint64(limiter.spacing().count())) + " us";
        QVERIFY(!limiter.unlimited());
        // rate+1 consecutive slots span `rate` spacings: more than 1 s plus the tolerance...
        QVERIFY2(limiter.spacing() * rate > 1s + RateLimiter::Tolerance, context.constData());
        // ...but not needlessly more (one microsecond of rounding per slot).
        QVERIFY2(limiter.spacing() * rate <= 1s + RateLimiter::Tolerance + microseconds(rate),
                 context.constData());
    }
}

void TstRateLimiter::idleBudgetSendsAtOnceAndSpacesTheRest()
{
    const RateLimiter limiter(10);
    QCOMPARE(limiter.spacing(), microseconds(101'501));
    QCOMPARE(budgetRows(), 0);

    const auto delays = limiter.reserve(m_db->connection(), 4);
    PFA_VERIFY_OK(delays);
    QCOMPARE(delays->size(), std::size_t{4});
    QCOMPARE(delays->front(), microseconds::zero());
    for (std::size_t i = 1; i < delays->size(); ++i)
        QCOMPARE((*delays)[i] - (*delays)[i - 1], limiter.spacing());
    QCOMPARE(budgetRows(), 1); // created on first use
}

void TstRateLimiter::laterReservationsQueueBehindEarlierOnes()
{
    // Budget already booked an hour ahead: every reservation chains exactly, whatever the speed
    // of this machine.
    const RateLimiter limiter(4);
    const qint64 start = setNextSlot(1h);
    QVERIFY(start > 0);

    const auto first = limiter.reserve(m_db->connection(), 3);
    PFA_VERIFY_OK(first);
    QCOMPARE(nextSlot(), start + 3 * limiter.spacing().count());
    const auto second = limiter.reserve(m_db->connection(), 2);
    PFA_VERIFY_OK(second);
    QCOMPARE(nextSlot(), start + 5 * limiter.spacing().count());

    // The first slot is an hour away (less the few moments this test took), and the second
    // reservation continues where the first stopped.
    QVERIFY(first->front() > 59min && first->front() <= 1h);
    const microseconds drift = second->front() - (first->back() + limiter.spacing());
    QVERIFY2(drift <= 0us && drift > -10s, qPrintable(QString::number(drift.count())));
    for (const auto* delays : {&*first, &*second})
        for (std::size_t i = 1; i < delays->size(); ++i)
            QCOMPARE((*delays)[i] - (*delays)[i - 1], limiter.spacing());
}

void TstRateLimiter::unusedTimeIsNotSavedForABurst()
{
    // Last used an hour ago: the next request may go now, but the one after it still waits a
    // full spacing.
    const RateLimiter limiter(2);
    QVERIFY(setNextSlot(-1h) > 0);
    const auto delays = limiter.reserve(m_db->connection(), 3);
    PFA_VERIFY_OK(delays);
    QCOMPARE(*delays, (std::vector<microseconds>{0us, limiter.spacing(), 2 * limiter.spacing()}));
}

void TstRateLimiter::scopesAreIndependent()
{
    const RateLimiter pems(1);
    const RateLimiter other(1, u"pems-staging"_s);
    QVERIFY(setNextSlot(1h) > 0);
    const auto busy = pems.reserve(m_db->connection(), 1);
    const auto idle = other.reserve(m_db->connection(), 1);
    PFA_VERIFY_OK(busy);
    PFA_VERIFY_OK(idle);
    QVERIFY(busy->front() > 59min);
    QCOMPARE(idle->front(), 0us);
    QCOMPARE(budgetRows(), 2);
}

void TstRateLimiter::concurrentThreadsGetDisjointSlots()
{
    constexpr int Rate = 5;
    constexpr int Calls = 25;
    const RateLimiter limiter(Rate);
    // Booked ahead, so every reservation continues the chain and the final next_slot says
    // exactly how many slots were handed out.
    const qint64 start = setNextSlot(1h);
    QVERIFY(start > 0);

    struct Worker
    {
        std::vector<Reservation> reservations;
        QString error;
        int slots = 0;
    };
    std::array<Worker, 2> workers;
    QSemaphore ready;
    QSemaphore go;
    std::vector<std::unique_ptr<QThread>> threads;
    for (Worker& worker : workers) {
        threads.emplace_back(QThread::create([&] {
            auto connection = m_db->database().connection(); // this thread's own session
            ready.release();
            go.acquire();
            for (int call = 0; call < Calls && connection && worker.error.isEmpty(); ++call) {
                const int count = 1 + call % 3;
                Reservation r;
                r.before = Clock::now();
                auto delays = limiter.reserve(*connection, count);
                r.after = Clock::now();
                if (!delays) {
                    worker.error = delays.error().toString();
                    break;
                }
                r.delays = std::move(*delays);
                worker.slots += count;
                worker.reservations.push_back(std::move(r));
            }
            if (!connection)
                worker.error = connection.error().toString();
            m_db->database().releaseThreadConnection();
        }));
        threads.back()->start();
    }
    // Both sessions open before either reserves, so the reservations really overlap.
    ready.acquire(2);
    go.release(2);
    for (const auto& thread : threads)
        QVERIFY(thread->wait(QDeadlineTimer(60s)));

    int totalSlots = 0;
    std::vector<Reservation> all;
    for (const Worker& worker : workers) {
        QVERIFY2(worker.error.isEmpty(), qPrintable(worker.error));
        totalSlots += worker.slots;
        all.insert(all.end(), worker.reservations.begin(), worker.reservations.end());
    }
    QCOMPARE(totalSlots, 2 * (Calls / 3 * 6 + 1)); // counts 1,2,3,1,2,3,…,1 per thread

    // Exact: each reservation moved next_slot by its own slots from where the previous one left
    // it. Two reservations sharing slots would leave next_slot short of this.
    QCOMPARE(nextSlot(), start + totalSlots * limiter.spacing().count());

    // As a client sees it: within a reservation slots are exactly one spacing apart; across all
    // of them, no `Rate`+1 slots fall within one second even on the most generous reading of
    // when each call reached the server.
    for (const Reservation& r : all)
        for (std::size_t i = 1; i < r.delays.size(); ++i)
            QCOMPARE(r.delays[i] - r.delays[i - 1], limiter.spacing());
    const auto slots = absoluteSlots(all);
    QCOMPARE(slots.size(), std::size_t(totalSlots));
    for (std::size_t i = 0; i + Rate < slots.size(); ++i) {
        const auto longestSpan = slots[i + Rate].latest - slots[i].earliest;
        QVERIFY2(longestSpan >= 1s,
                 qPrintable(u"slots %1..%2 fit in %3 µs"_s.arg(i).arg(i + Rate).arg(
                     std::chrono::duration_cast<microseconds>(longestSpan).count())));
    }
}

void TstRateLimiter::unlimitedTouchesNothing()
{
    for (const int rate : {0, -3}) {
        const RateLimiter limiter(rate);
        QVERIFY(limiter.unlimited());
        QCOMPARE(limiter.spacing(), 0us);
        // Not even a connection is needed.
        const auto offline = limiter.reserve(QSqlDatabase(), 3);
        PFA_VERIFY_OK(offline);
        QCOMPARE(*offline, std::vector<microseconds>(3, 0us));
        const auto online = limiter.reserve(m_db->connection(), 5);
        PFA_VERIFY_OK(online);
        QCOMPARE(*online, std::vector<microseconds>(5, 0us));
    }
    QCOMPARE(budgetRows(), 0);
}

void TstRateLimiter::zeroAndNegativeCounts()
{
    const RateLimiter limiter(10);
    const auto none = limiter.reserve(m_db->connection(), 0);
    PFA_VERIFY_OK(none);
    QVERIFY(none->empty());
    QCOMPARE(budgetRows(), 0);

    const auto negative = limiter.reserve(m_db->connection(), -1);
    QVERIFY(!negative);
    QCOMPARE(negative.error().code, ErrorCode::InvalidInput);

    // A database error is reported, not turned into a slot.
    const auto broken = limiter.reserve(QSqlDatabase(), 1);
    QVERIFY(!broken);
}

} // namespace pfa::test

QTEST_GUILESS_MAIN(pfa::test::TstRateLimiter)
#include "tst_ratelimiter.moc"
