#include "pems/HttpDate.h"
#include "pems/RetryAfter.h"

#include <QTest>

using namespace Qt::StringLiterals;
using namespace pfa::pems;
using std::chrono::milliseconds;

namespace {

QDateTime utc(int y, int m, int d, int h = 0, int mi = 0, int s = 0)
{
    return QDateTime(QDate(y, m, d), QTime(h, mi, s), Qt::UTC);
}

const QDateTime Now = utc(2026, 3, 1, 12, 0, 0);

} // namespace

class TestPemsRetryAfter final : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void httpDate_data();
    void httpDate();
    void httpDateRejects_data();
    void httpDateRejects();
    void retryAfter_data();
    void retryAfter();
    void retryAfterRejects_data();
    void retryAfterRejects();
    void retryAfterOfResponse();
};

void TestPemsRetryAfter::httpDate_data()
{
    QTest::addColumn<QByteArray>("text");
    QTest::addColumn<QDateTime>("expected");
    QTest::newRow("IMF-fixdate") << QByteArray("Sun, 06 Nov 1994 08:49:37 GMT")
                                 << utc(1994, 11, 6, 8, 49, 37);
    QTest::newRow("IMF-fixdate, surrounding space")
        << QByteArray("  Wed, 31 Dec 2025 23:59:59 GMT ") << utc(2025, 12, 31, 23, 59, 59);
    QTest::newRow("RFC 850") << QByteArray("Sunday, 06-Nov-94 08:49:37 GMT")
                             << utc(1994, 11, 6, 8, 49, 37);
    QTest::newRow("RFC 850, this century")
        << QByteArray("Sunday, 01-Mar-26 12:00:05 GMT") << utc(2026, 3, 1, 12, 0, 5);
    QTest::newRow("asctime") << QByteArray("Sun Nov  6 08:49:37 1994")
                             << utc(1994, 11, 6, 8, 49, 37);
    QTest::newRow("asctime, two-digit day")
        << QByteArray("Sun Mar 01 12:00:05 2026") << utc(2026, 3, 1, 12, 0, 5);
    QTest::newRow("leap day") << QByteArray("Thu, 29 Feb 2024 00:00:00 GMT") << utc(2024, 2, 29);
}

void TestPemsRetryAfter::httpDate()
{
    QFETCH(QByteArray, text);
    QFETCH(QDateTime, expected);
    const auto parsed = parseHttpDate(text);
    QVERIFY(parsed);
    QCOMPARE(*parsed, expected);
    QCOMPARE(parsed->timeSpec(), Qt::UTC);
}

void TestPemsRetryAfter::httpDateRejects_data()
{
    QTest::addColumn<QByteArray>("text");
    QTest::newRow("empty") << QByteArray();
    QTest::newRow("ISO-8601") << QByteArray("2026-03-01T12:00:00Z");
    QTest::newRow("not GMT") << QByteArray("Sun, 06 Nov 1994 08:49:37 UTC");
    QTest::newRow("offset") << QByteArray("Sun, 06 Nov 1994 08:49:37 +0000");
    QTest::newRow("one-digit day") << QByteArray("Sun, 6 Nov 1994 08:49:37 GMT");
    QTest::newRow("lower-case month") << QByteArray("Sun, 06 nov 1994 08:49:37 GMT");
    QTest::newRow("unknown month") << QByteArray("Sun, 06 Noe 1994 08:49:37 GMT");
    QTest::newRow("unknown weekday") << QByteArray("Sno, 06 Nov 1994 08:49:37 GMT");
    QTest::newRow("30 February") << QByteArray("Mon, 30 Feb 2026 08:49:37 GMT");
    QTest::newRow("hour 24") << QByteArray("Sun, 06 Nov 1994 24:00:00 GMT");
    QTest::newRow("trailing junk") << QByteArray("Sun, 06 Nov 1994 08:49:37 GMT;x");
    QTest::newRow("digits") << QByteArray("120");
}

void TestPemsRetryAfter::httpDateRejects()
{
    QFETCH(QByteArray, text);
    QCOMPARE(parseHttpDate(text), std::nullopt);
}

void TestPemsRetryAfter::retryAfter_data()
{
    QTest::addColumn<QByteArray>("value");
    QTest::addColumn<qint64>("expectedMs");
    QTest::newRow("seconds") << QByteArray("120") << qint64(120000);
    QTest::newRow("zero") << QByteArray("0") << qint64(0);
    QTest::newRow("spaces") << QByteArray(" 3 ") << qint64(3000);
    QTest::newRow("leading zeros") << QByteArray("007") << qint64(7000);
    QTest::newRow("capped seconds") << QByteArray("86400") << qint64(3600000);
    QTest::newRow("too many digits") << QByteArray("123456789012345678901234") << qint64(3600000);
    QTest::newRow("date ahead") << QByteArray("Sun, 01 Mar 2026 12:00:30 GMT") << qint64(30000);
    QTest::newRow("RFC 850 date ahead")
        << QByteArray("Sunday, 01-Mar-26 12:01:00 GMT") << qint64(60000);
    QTest::newRow("asctime date ahead") << QByteArray("Sun Mar  1 12:00:02 2026") << qint64(2000);
    QTest::newRow("date now") << QByteArray("Sun, 01 Mar 2026 12:00:00 GMT") << qint64(0);
    QTest::newRow("date past") << QByteArray("Sat, 28 Feb 2026 12:00:00 GMT") << qint64(0);
    QTest::newRow("date far ahead")
        << QByteArray("Fri, 01 Jan 2100 00:00:00 GMT") << qint64(3600000);
}

void TestPemsRetryAfter::retryAfter()
{
    QFETCH(QByteArray, value);
    QFETCH(qint64, expectedMs);
    const auto parsed = parseRetryAfter(value, Now);
    QVERIFY(parsed);
    QCOMPARE(parsed->count(), expectedMs);
}

void TestPemsRetryAfter::retryAfterRejects_data()
{
    QTest::addColumn<QByteArray>("value");
    QTest::newRow("empty") << QByteArray();
    QTest::newRow("blank") << QByteArray("   ");
    QTest::newRow("negative") << QByteArray("-5");
    QTest::newRow("fraction") << QByteArray("1.5");
    QTest::newRow("unit") << QByteArray("5s");
    QTest::newRow("word") << QByteArray("later");
    QTest::newRow("bad date") << QByteArray("Sun, 01 Mar 2026 25:00:00 GMT");
}

void TestPemsRetryAfter::retryAfterRejects()
{
    QFETCH(QByteArray, value);
    QCOMPARE(parseRetryAfter(value, Now), std::nullopt);
}

void TestPemsRetryAfter::retryAfterOfResponse()
{
    HttpResponse response{429, {{"retry-after", "Sun, 01 Mar 2026 12:00:10 GMT"}}, {}, Now};
    QCOMPARE(retryAfterOf(response), milliseconds(10000));

    // The server's own Date wins over our clock: a skewed clock does not distort the wait.
    response.headers.emplaceBack("Date", "Sun, 01 Mar 2026 12:00:08 GMT");
    QCOMPARE(retryAfterOf(response), milliseconds(2000));

    // An unreadable Date falls back to receivedAt.
    response.headers.last().second = "yesterday";
    QCOMPARE(retryAfterOf(response), milliseconds(10000));

    QCOMPARE(retryAfterOf(HttpResponse{429, {}, {}, Now}), std::nullopt);
    QCOMPARE(retryAfterOf(HttpResponse{429, {{"Retry-After", "4"}}, {}, {}}), milliseconds(4000));
}

QTEST_APPLESS_MAIN(TestPemsRetryAfter)
#include "tst_pemsretryafter.moc"
