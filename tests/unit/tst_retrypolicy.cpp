#include "sync/RetryPolicy.h"

#include <QTest>

#include <climits>
#include <vector>

using namespace std::chrono_literals;
using pfa::sync::RetryPolicy;
using std::chrono::milliseconds;

class TestRetryPolicy final : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void withoutJitterDelaysDouble();
    void doublingRatiosStayWithinJitterBounds();
    void jitterSpreadsOverItsWholeRange();
    void sameSeedSameDelays();
    void floorIsHonoured();
    void exhaustedBoundaries_data();
    void exhaustedBoundaries();
    void hugeRetryNumbersDoNotOverflow();
    void outOfRangeArgumentsAreClamped();
};

void TestRetryPolicy::withoutJitterDelaysDouble()
{
    RetryPolicy policy(5s, 3, 0.0, 42);
    QCOMPARE(policy.baseDelay(), milliseconds(5s));
    QCOMPARE(policy.maxRetries(), 3);
    QCOMPARE(policy.delayBefore(1), milliseconds(5s));
    QCOMPARE(policy.delayBefore(2), milliseconds(10s));
    QCOMPARE(policy.delayBefore(3), milliseconds(20s));
    QCOMPARE(policy.delayBefore(4), milliseconds(40s));
}

void TestRetryPolicy::doublingRatiosStayWithinJitterBounds()
{
    constexpr double Jitter = 0.1;
    RetryPolicy policy(5s, 10, Jitter, 7);
    for (int round = 0; round < 200; ++round) {
        std::vector<double> delays;
        for (int retry = 1; retry <= 8; ++retry) {
            const double nominal = 5000.0 * (1 << (retry - 1));
            const double delay = static_cast<double>(policy.delayBefore(retry).count());
            // ±1 ms for rounding to whole milliseconds.
            QVERIFY2(delay >= nominal * (1 - Jitter) - 1 && delay <= nominal * (1 + Jitter) + 1,
                     qPrintable(QStringLiteral("retry %1: %2 ms").arg(retry).arg(delay)));
            delays.push_back(delay);
        }
        for (std::size_t i = 1; i < delays.size(); ++i) {
            const double ratio = delays[i] / delays[i - 1];
            QVERIFY2(ratio >= 2 * (1 - Jitter) / (1 + Jitter) - 1e-3 &&
                         ratio <= 2 * (1 + Jitter) / (1 - Jitter) + 1e-3,
                     qPrintable(QStringLiteral("ratio %1").arg(ratio)));
        }
    }
}

void TestRetryPolicy::jitterSpreadsOverItsWholeRange()
{
    // Jitter 0.2 on 10 s: every draw within [8 s, 12 s], and 10,000 uniform draws reach both ends
    // (within 1 % of the range) and both halves about equally.
    RetryPolicy policy(10s, 3, 0.2, 12345);
    qint64 low = LLONG_MAX;
    qint64 high = 0;
    int belowNominal = 0;
    constexpr int Draws = 10000;
    for (int i = 0; i < Draws; ++i) {
        const qint64 delay = policy.delayBefore(1).count();
        QVERIFY2(delay >= 8000 && delay <= 12000, qPrintable(QString::number(delay)));
        low = std::min(low, delay);
        high = std::max(high, delay);
        if (delay < 10000)
            ++belowNominal;
    }
    QVERIFY2(low < 8040, qPrintable(QString::number(low)));
    QVERIFY2(high > 11960, qPrintable(QString::number(high)));
    QVERIFY2(belowNominal > Draws * 45 / 100 && belowNominal < Draws * 55 / 100,
             qPrintable(QString::number(belowNominal)));
}

void TestRetryPolicy::sameSeedSameDelays()
{
    RetryPolicy first(5s, 3, 0.5, 99);
    RetryPolicy second(5s, 3, 0.5, 99);
    RetryPolicy other(5s, 3, 0.5, 100);
    // Seeds that differ only in their upper 32 bits must give different sequences too.
    RetryPolicy upper(5s, 3, 0.5, 99 + (quint64{1} << 32));
    std::vector<milliseconds> a, b, c, d;
    for (int i = 0; i < 50; ++i) {
        a.push_back(first.delayBefore(1 + i % 4));
        b.push_back(second.delayBefore(1 + i % 4));
        c.push_back(other.delayBefore(1 + i % 4));
        d.push_back(upper.delayBefore(1 + i % 4));
    }
    QVERIFY(a == b);
    QVERIFY(a != c);
    QVERIFY(a != d);
}

void TestRetryPolicy::floorIsHonoured()
{
    RetryPolicy policy(5s, 3, 0.1, 3);
    for (int i = 0; i < 100; ++i) {
        // A Retry-After longer than the backoff wins exactly...
        QCOMPARE(policy.delayBefore(1, milliseconds(30s)), milliseconds(30s));
        // ...a shorter one leaves the backoff alone.
        const milliseconds delay = policy.delayBefore(2, milliseconds(1s));
        QVERIFY(delay >= 9000ms && delay <= 11000ms);
        QVERIFY(policy.delayBefore(1, milliseconds(0)) >= 4500ms);
    }
    // Even a floor cannot exceed the one-hour ceiling.
    QCOMPARE(policy.delayBefore(1, milliseconds(std::chrono::hours(5))), RetryPolicy::MaxDelay);
}

void TestRetryPolicy::exhaustedBoundaries_data()
{
    QTest::addColumn<int>("maxRetries");
    QTest::addColumn<int>("retriesSoFar");
    QTest::addColumn<bool>("exhausted");

    QTest::newRow("none spent of 3") << 3 << 0 << false;
    QTest::newRow("2 spent of 3") << 3 << 2 << false;
    QTest::newRow("3 spent of 3") << 3 << 3 << true;
    QTest::newRow("4 spent of 3") << 3 << 4 << true;
    QTest::newRow("no retries allowed") << 0 << 0 << true;
    QTest::newRow("negative max counts as 0") << -2 << 0 << true;
}

void TestRetryPolicy::exhaustedBoundaries()
{
    QFETCH(int, maxRetries);
    QFETCH(int, retriesSoFar);
    QFETCH(bool, exhausted);
    const RetryPolicy policy(5s, maxRetries);
    QCOMPARE(policy.exhausted(retriesSoFar), exhausted);
}

void TestRetryPolicy::hugeRetryNumbersDoNotOverflow()
{
    RetryPolicy exact(5s, 3, 0.0, 1);
    RetryPolicy jittered(5s, 3, 1.0, 1);
    for (const int retry : {20, 31, 32, 63, 64, 65, 1000, INT_MAX}) {
        QCOMPARE(exact.delayBefore(retry), RetryPolicy::MaxDelay);
        const milliseconds delay = jittered.delayBefore(retry);
        QVERIFY2(delay >= 0ms && delay <= RetryPolicy::MaxDelay,
                 qPrintable(QString::number(delay.count())));
    }
    // Just below the ceiling the exponent still applies: 5 s × 2^9 = 2560 s < 1 h.
    QCOMPARE(exact.delayBefore(10), milliseconds(2560s));
    QCOMPARE(exact.delayBefore(11), RetryPolicy::MaxDelay);
    // A base that is already huge is capped as well.
    RetryPolicy hugeBase(milliseconds(LLONG_MAX / 2), 3, 0.0, 1);
    QCOMPARE(hugeBase.delayBefore(INT_MAX), RetryPolicy::MaxDelay);
}

void TestRetryPolicy::outOfRangeArgumentsAreClamped()
{
    RetryPolicy policy(-5s, -1, 7.0, 5);
    QCOMPARE(policy.baseDelay(), 0ms);
    QCOMPARE(policy.maxRetries(), 0);
    QCOMPARE(policy.delayBefore(3), 0ms);

    // Retry numbers below 1 count as the first retry; jitter above 1 is clamped to 1.
    RetryPolicy noJitter(5s, 3, 0.0, 5);
    QCOMPARE(noJitter.delayBefore(0), milliseconds(5s));
    QCOMPARE(noJitter.delayBefore(INT_MIN), milliseconds(5s));
    RetryPolicy wide(1s, 3, 7.0, 5);
    for (int i = 0; i < 100; ++i)
        QVERIFY(wide.delayBefore(1) <= 2s);
}

QTEST_GUILESS_MAIN(TestRetryPolicy)
#include "tst_retrypolicy.moc"
