#include "config/CronExpression.h"

#include <QTest>
#include <QTimeZone>

using namespace Qt::StringLiterals;
using pfa::config::CronExpression;

namespace {

QDateTime utc(const QString& iso)
{
    QDateTime t = QDateTime::fromString(iso, Qt::ISODate);
    t.setTimeSpec(Qt::UTC);
    return t;
}

} // namespace

class tst_Cron : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void parseValid_data();
    void parseValid();
    void parseInvalid_data();
    void parseInvalid();
    void nextAfter_data();
    void nextAfter();
    void impossibleExpressionReturnsInvalid_data();
    void impossibleExpressionReturnsInvalid();
    void invalidInputReturnsInvalid();
    void keepsTimeSpec();
    void springForwardFiresWhenClockResumes();
    void fallBackFiresOnceInRepeatedHour();
    void successiveFireTimes();
};

void tst_Cron::parseValid_data()
{
    QTest::addColumn<QString>("expression");
    QTest::addColumn<QString>("normalized");

    QTest::newRow("every minute") << u"* * * * *"_s << u"* * * * *"_s;
    QTest::newRow("default schedule") << u"*/1 * * * *"_s << u"*/1 * * * *"_s;
    QTest::newRow("extra whitespace") << u"  0\t0   * * *  "_s << u"0 0 * * *"_s;
    QTest::newRow("list") << u"0,30 * * * *"_s << u"0,30 * * * *"_s;
    QTest::newRow("range with step") << u"0 9-17/2 * * MON-FRI"_s << u"0 9-17/2 * * MON-FRI"_s;
    QTest::newRow("names any case") << u"0 0 1 jan,JUL sun"_s << u"0 0 1 jan,JUL sun"_s;
    QTest::newRow("sunday as 7") << u"0 0 * * 7"_s << u"0 0 * * 7"_s;
    QTest::newRow("maxima") << u"59 23 31 12 6"_s << u"59 23 31 12 6"_s;
    QTest::newRow("start with step") << u"5/15 * * * *"_s << u"5/15 * * * *"_s;
    QTest::newRow("impossible but well-formed") << u"0 0 31 2 *"_s << u"0 0 31 2 *"_s;
}

void tst_Cron::parseValid()
{
    QFETCH(QString, expression);
    QFETCH(QString, normalized);

    const auto cron = CronExpression::parse(expression);
    QVERIFY2(cron.has_value(), qPrintable(cron ? QString() : cron.error().message));
    QCOMPARE(cron->toString(), normalized);
    const auto again = CronExpression::parse(cron->toString());
    QVERIFY(again.has_value());
    QVERIFY(*again == *cron);
}

void tst_Cron::parseInvalid_data()
{
    QTest::addColumn<QString>("expression");
    QTest::addColumn<QString>("field");
    QTest::addColumn<QString>("message");

    const QString countMessage =
        u"expected 5 fields (minute hour day-of-month month day-of-week) but found %1"_s;
    QTest::newRow("empty") << u""_s << QString() << countMessage.arg(0);
    QTest::newRow("four fields") << u"* * * *"_s << QString() << countMessage.arg(4);
    QTest::newRow("six fields") << u"* * * * * *"_s << QString() << countMessage.arg(6);
    QTest::newRow("macro") << u"@hourly"_s << QString() << countMessage.arg(1);
    QTest::newRow("minute 60") << u"60 * * * *"_s << u"minute"_s << u"minute: 60 is outside 0-59"_s;
    QTest::newRow("hour 25") << u"0 25 * * *"_s << u"hour"_s << u"hour: 25 is outside 0-23"_s;
    QTest::newRow("day 0") << u"0 0 0 * *"_s << u"day-of-month"_s
                           << u"day-of-month: 0 is outside 1-31"_s;
    QTest::newRow("day 32") << u"0 0 32 * *"_s << u"day-of-month"_s
                            << u"day-of-month: 32 is outside 1-31"_s;
    QTest::newRow("month 13") << u"0 0 * 13 *"_s << u"month"_s << u"month: 13 is outside 1-12"_s;
    QTest::newRow("weekday 8") << u"0 0 * * 8"_s << u"day-of-week"_s
                               << u"day-of-week: 8 is outside 0-7"_s;
    QTest::newRow("bad month name") << u"0 0 * FOO *"_s << u"month"_s
                                    << u"month: \"FOO\" is not a number or a name (JAN-DEC)"_s;
    QTest::newRow("bad weekday name") << u"0 0 * * MONDAY"_s << u"day-of-week"_s
                                      << u"day-of-week: \"MONDAY\" is not a number or a name "
                                         u"(SUN-SAT)"_s;
    QTest::newRow("name in minute")
        << u"JAN * * * *"_s << u"minute"_s << u"minute: \"JAN\" is not a number"_s;
    QTest::newRow("negative") << u"-1 * * * *"_s << u"minute"_s
                              << u"minute: \"\" is not a number"_s;
    QTest::newRow("step 0") << u"*/0 * * * *"_s << u"minute"_s
                            << u"minute: step \"0\" is not a whole number of at least 1"_s;
    QTest::newRow("step text") << u"0 */x * * *"_s << u"hour"_s
                               << u"hour: step \"x\" is not a whole number of at least 1"_s;
    QTest::newRow("backwards range")
        << u"0 5-2 * * *"_s << u"hour"_s << u"hour: range 5-2 runs backwards"_s;
    QTest::newRow("backwards names") << u"0 0 * * FRI-MON"_s << u"day-of-week"_s
                                     << u"day-of-week: range FRI-MON runs backwards"_s;
    QTest::newRow("empty element")
        << u"1,,2 * * * *"_s << u"minute"_s << u"minute: empty element in list \"1,,2\""_s;
    QTest::newRow("trailing comma")
        << u"0 0 * 1, *"_s << u"month"_s << u"month: empty element in list \"1,\""_s;
    QTest::newRow("huge number") << u"99999999999 * * * *"_s << u"minute"_s
                                 << u"minute: 99999999999 is outside 0-59"_s;
}

void tst_Cron::parseInvalid()
{
    QFETCH(QString, expression);
    QFETCH(QString, field);
    QFETCH(QString, message);

    const auto cron = CronExpression::parse(expression);
    QVERIFY(!cron.has_value());
    QCOMPARE(cron.error().code, pfa::ErrorCode::InvalidInput);
    QCOMPARE(cron.error().field, field);
    QCOMPARE(cron.error().message, message);
}

void tst_Cron::nextAfter_data()
{
    QTest::addColumn<QString>("expression");
    QTest::addColumn<QDateTime>("from");
    QTest::addColumn<QDateTime>("expected");

    auto row = [](const char* name, const QString& expr, const QString& from, const QString& to) {
        QTest::newRow(name) << expr << utc(from) << utc(to);
    };
    row("strictly after a match", u"* * * * *"_s, u"2024-01-01T10:00:00"_s,
        u"2024-01-01T10:01:00"_s);
    row("seconds are dropped", u"* * * * *"_s, u"2024-01-01T10:00:30.500"_s,
        u"2024-01-01T10:01:00"_s);
    row("step within hour", u"*/15 * * * *"_s, u"2024-01-01T10:14:59"_s, u"2024-01-01T10:15:00"_s);
    row("hour boundary", u"*/15 * * * *"_s, u"2024-01-01T10:45:00"_s, u"2024-01-01T11:00:00"_s);
    row("day and month boundary", u"0 0 * * *"_s, u"2024-01-31T23:59:00"_s,
        u"2024-02-01T00:00:00"_s);
    row("year boundary", u"0 0 1 1 *"_s, u"2024-12-31T23:59:59"_s, u"2025-01-01T00:00:00"_s);
    row("next month", u"30 12 15 * *"_s, u"2024-01-20T00:00:00"_s, u"2024-02-15T12:30:00"_s);
    row("same day next year", u"0 0 25 DEC *"_s, u"2024-12-25T00:00:00"_s,
        u"2025-12-25T00:00:00"_s);
    row("weekday range skips weekend", u"0 9 * * MON-FRI"_s, u"2024-01-06T10:00:00"_s,
        u"2024-01-08T09:00:00"_s);
    row("sunday as 0", u"0 0 * * 0"_s, u"2024-01-01T00:00:00"_s, u"2024-01-07T00:00:00"_s);
    row("sunday as 7", u"0 0 * * 7"_s, u"2024-01-01T00:00:00"_s, u"2024-01-07T00:00:00"_s);
    row("range ending on 7", u"0 12 * * 5-7"_s, u"2024-01-01T00:00:00"_s, u"2024-01-05T12:00:00"_s);
    row("either day field: weekday first", u"0 0 13 * FRI"_s, u"2024-01-01T00:00:00"_s,
        u"2024-01-05T00:00:00"_s);
    row("either day field: next friday", u"0 0 13 * FRI"_s, u"2024-01-06T00:00:00"_s,
        u"2024-01-12T00:00:00"_s);
    row("either day field: the 13th is a saturday", u"0 0 13 * FRI"_s, u"2024-01-12T00:00:00"_s,
        u"2024-01-13T00:00:00"_s);
    row("star-prefixed day field means both", u"0 0 */2 * MON"_s, u"2024-01-01T00:00:00"_s,
        u"2024-01-15T00:00:00"_s);
    row("feb 29 next leap year", u"0 0 29 2 *"_s, u"2024-03-01T00:00:00"_s,
        u"2028-02-29T00:00:00"_s);
    row("feb 29 skips 2100", u"0 0 29 2 *"_s, u"2096-03-01T00:00:00"_s, u"2104-02-29T00:00:00"_s);
    row("month names", u"0 0 1 JAN,jul *"_s, u"2024-02-01T00:00:00"_s, u"2024-07-01T00:00:00"_s);
    row("range with step", u"10-30/10 * * * *"_s, u"2024-01-01T10:30:00"_s,
        u"2024-01-01T11:10:00"_s);
    row("start with step", u"50/5 * * * *"_s, u"2024-01-01T10:56:00"_s, u"2024-01-01T11:50:00"_s);
    row("comma list", u"0,30 * * * *"_s, u"2024-01-01T10:00:00"_s, u"2024-01-01T10:30:00"_s);
}

void tst_Cron::nextAfter()
{
    QFETCH(QString, expression);
    QFETCH(QDateTime, from);
    QFETCH(QDateTime, expected);

    const auto cron = CronExpression::parse(expression);
    QVERIFY(cron.has_value());
    const QDateTime next = cron->nextAfter(from);
    QCOMPARE(next, expected);
    QCOMPARE(next.timeSpec(), Qt::UTC);
}

void tst_Cron::impossibleExpressionReturnsInvalid_data()
{
    QTest::addColumn<QString>("expression");
    QTest::newRow("feb 31") << u"0 0 31 2 *"_s;
    QTest::newRow("feb 30") << u"0 0 30 2 *"_s;
    QTest::newRow("31st of short months") << u"0 0 31 APR,JUN,SEP,NOV *"_s;
}

void tst_Cron::impossibleExpressionReturnsInvalid()
{
    QFETCH(QString, expression);
    const auto cron = CronExpression::parse(expression);
    QVERIFY(cron.has_value());
    QVERIFY(!cron->nextAfter(utc(u"2024-01-01T00:00:00"_s)).isValid());
}

void tst_Cron::invalidInputReturnsInvalid()
{
    const auto cron = CronExpression::parse(u"* * * * *");
    QVERIFY(cron.has_value());
    QVERIFY(!cron->nextAfter(QDateTime()).isValid());
}

void tst_Cron::keepsTimeSpec()
{
    const auto cron = CronExpression::parse(u"0 9 * * *");
    QVERIFY(cron.has_value());

    const QDateTime offset(QDate(2024, 1, 1), QTime(10, 0), Qt::OffsetFromUTC, 5 * 3600 + 1800);
    const QDateTime nextOffset = cron->nextAfter(offset);
    QCOMPARE(nextOffset.timeSpec(), Qt::OffsetFromUTC);
    QCOMPARE(nextOffset.offsetFromUtc(), 5 * 3600 + 1800);
    QCOMPARE(nextOffset.date(), QDate(2024, 1, 2));
    QCOMPARE(nextOffset.time(), QTime(9, 0));

    const QTimeZone berlin("Europe/Berlin");
    QVERIFY(berlin.isValid());
    const QDateTime zoned(QDate(2024, 7, 1), QTime(8, 0), berlin);
    const QDateTime nextZoned = cron->nextAfter(zoned);
    QCOMPARE(nextZoned.timeSpec(), Qt::TimeZone);
    QCOMPARE(nextZoned.timeZone(), berlin);
    QCOMPARE(nextZoned.toUTC(), utc(u"2024-07-01T07:00:00"_s));

    const QDateTime local(QDate(2024, 1, 1), QTime(10, 0), Qt::LocalTime);
    const QDateTime nextLocal = cron->nextAfter(local);
    QCOMPARE(nextLocal.timeSpec(), Qt::LocalTime);
    QCOMPARE(nextLocal.time(), QTime(9, 0));
    QVERIFY(nextLocal > local);
}

void tst_Cron::springForwardFiresWhenClockResumes()
{
    // Europe/Berlin jumps from 02:00 CET to 03:00 CEST on 2024-03-31.
    const QTimeZone berlin("Europe/Berlin");
    const auto daily = CronExpression::parse(u"30 2 * * *");
    QVERIFY(daily.has_value());
    const QDateTime before(QDate(2024, 3, 31), QTime(1, 0), berlin);
    const QDateTime fired = daily->nextAfter(before);
    QCOMPARE(fired.toUTC(), utc(u"2024-03-31T01:00:00"_s)); // 03:00 CEST
    QCOMPARE(fired.time(), QTime(3, 0));
    QCOMPARE(daily->nextAfter(fired).toUTC(), utc(u"2024-04-01T00:30:00"_s));

    const auto everyMinute = CronExpression::parse(u"* * * * *");
    QVERIFY(everyMinute.has_value());
    const QDateTime lastBeforeJump(QDate(2024, 3, 31), QTime(1, 59), berlin);
    QCOMPARE(everyMinute->nextAfter(lastBeforeJump).toUTC(), utc(u"2024-03-31T01:00:00"_s));
}

void tst_Cron::fallBackFiresOnceInRepeatedHour()
{
    // Europe/Berlin repeats 02:00-02:59 on 2024-10-27 (first CEST, then CET).
    const QTimeZone berlin("Europe/Berlin");
    const auto daily = CronExpression::parse(u"30 2 * * *");
    QVERIFY(daily.has_value());
    const QDateTime midnight(QDate(2024, 10, 27), QTime(0, 0), berlin);
    const QDateTime first = daily->nextAfter(midnight);
    QCOMPARE(first.toUTC(), utc(u"2024-10-27T00:30:00"_s)); // 02:30 CEST
    QCOMPARE(daily->nextAfter(first).toUTC(), utc(u"2024-10-28T01:30:00"_s));

    const auto everyMinute = CronExpression::parse(u"* * * * *");
    QVERIFY(everyMinute.has_value());
    const QDateTime inFirstPass =
        QDateTime(QDate(2024, 10, 27), QTime(0, 45), Qt::UTC).toTimeZone(berlin);
    QCOMPARE(everyMinute->nextAfter(inFirstPass).toUTC(), utc(u"2024-10-27T00:46:00"_s));
}

void tst_Cron::successiveFireTimes()
{
    const auto cron = CronExpression::parse(u"0,30 9-10 * * *");
    QVERIFY(cron.has_value());
    QDateTime t = utc(u"2024-01-01T08:00:00"_s);
    QList<QDateTime> fires;
    for (int i = 0; i < 5; ++i) {
        t = cron->nextAfter(t);
        fires.append(t);
    }
    const QList<QDateTime> expected{
        utc(u"2024-01-01T09:00:00"_s), utc(u"2024-01-01T09:30:00"_s), utc(u"2024-01-01T10:00:00"_s),
        utc(u"2024-01-01T10:30:00"_s), utc(u"2024-01-02T09:00:00"_s),
    };
    QCOMPARE(fires, expected);
}

QTEST_GUILESS_MAIN(tst_Cron)
#include "tst_cron.moc"
