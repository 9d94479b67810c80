#include "model/Money.h"

#include <QTest>

#include <limits>

using namespace Qt::StringLiterals;
using pfa::model::Money;

class TestMoney final : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void parse_data();
    void parse();
    void reject_data();
    void reject();
    void format_data();
    void format();
    void compare();
};

void TestMoney::parse_data()
{
    QTest::addColumn<QString>("text");
    QTest::addColumn<qint64>("units");
    QTest::addColumn<QString>("canonical");

    QTest::newRow("integer") << u"1234"_s << qint64{12340000} << u"1234.00"_s;
    QTest::newRow("one decimal") << u"1234.5"_s << qint64{12345000} << u"1234.50"_s;
    QTest::newRow("two decimals") << u"1234.56"_s << qint64{12345600} << u"1234.56"_s;
    QTest::newRow("negative four decimals") << u"-12.0001"_s << qint64{-120001} << u"-12.0001"_s;
    QTest::newRow("smallest unit") << u"0.0001"_s << qint64{1} << u"0.0001"_s;
    QTest::newRow("zero") << u"0"_s << qint64{0} << u"0.00"_s;
    QTest::newRow("negative zero") << u"-0.00"_s << qint64{0} << u"0.00"_s;
    QTest::newRow("negative whole") << u"-3"_s << qint64{-30000} << u"-3.00"_s;
    QTest::newRow("leading zeros") << u"007.10"_s << qint64{71000} << u"7.10"_s;
    QTest::newRow("three decimals") << u"0.125"_s << qint64{1250} << u"0.125"_s;
    QTest::newRow("max") << u"922337203685477.5807"_s << std::numeric_limits<qint64>::max()
                         << u"922337203685477.5807"_s;
}

void TestMoney::parse()
{
    QFETCH(QString, text);
    QFETCH(qint64, units);
    QFETCH(QString, canonical);

    const auto money = Money::parse(text);
    QVERIFY2(money.has_value(), qPrintable(money ? QString() : money.error().message));
    QCOMPARE(money->units(), units);
    QCOMPARE(money->toString(), canonical);
    // The canonical text reads back to the same amount.
    QCOMPARE(Money::parse(money->toString())->units(), units);
}

void TestMoney::reject_data()
{
    QTest::addColumn<QString>("text");
    QTest::addColumn<QString>("fragment");

    QTest::newRow("empty") << QString() << u"blank"_s;
    QTest::newRow("blanks") << u"   "_s << u"blank"_s;
    QTest::newRow("five decimals") << u"12.34567"_s << u"more than 4 decimal places"_s;
    QTest::newRow("exponent") << u"1e5"_s << u"exponent"_s;
    QTest::newRow("upper exponent") << u"1.5E3"_s << u"exponent"_s;
    QTest::newRow("overflow by one unit") << u"922337203685477.5808"_s << u"out of range"_s;
    QTest::newRow("huge") << u"99999999999999999999"_s << u"out of range"_s;
    QTest::newRow("huge negative") << u"-99999999999999999999.5"_s << u"out of range"_s;
    QTest::newRow("leading blank") << u" 12"_s << u"not a decimal"_s;
    QTest::newRow("trailing blank") << u"12 "_s << u"not a decimal"_s;
    QTest::newRow("plus sign") << u"+5"_s << u"not a decimal"_s;
    QTest::newRow("grouping") << u"1,000"_s << u"not a decimal"_s;
    QTest::newRow("comma decimal") << u"1,5"_s << u"not a decimal"_s;
    QTest::newRow("lone point") << u"."_s << u"both sides"_s;
    QTest::newRow("no fraction digits") << u"5."_s << u"both sides"_s;
    QTest::newRow("no integer digits") << u".5"_s << u"both sides"_s;
    QTest::newRow("lone minus") << u"-"_s << u"both sides"_s;
    QTest::newRow("double minus") << u"--5"_s << u"not a decimal"_s;
    QTest::newRow("letters") << u"abc"_s << u"not a decimal"_s;
    QTest::newRow("NaN") << u"NaN"_s << u"not a decimal"_s;
    QTest::newRow("arabic digits") << u"\u0661\u0662"_s << u"not a decimal"_s;
    QTest::newRow("two points") << u"1.2.3"_s << u"not a decimal"_s;
}

void TestMoney::reject()
{
    QFETCH(QString, text);
    QFETCH(QString, fragment);

    const auto money = Money::parse(text);
    QVERIFY(!money.has_value());
    QCOMPARE(money.error().code, pfa::ErrorCode::InvalidInput);
    QVERIFY2(money.error().message.contains(fragment), qPrintable(money.error().message));
}

void TestMoney::format_data()
{
    QTest::addColumn<qint64>("units");
    QTest::addColumn<QString>("text");

    QTest::newRow("trailing zero kept to 2") << qint64{12345000} << u"1234.50"_s;
    QTest::newRow("smallest") << qint64{1} << u"0.0001"_s;
    QTest::newRow("three places") << qint64{10} << u"0.001"_s;
    QTest::newRow("four places") << qint64{123456} << u"12.3456"_s;
    QTest::newRow("negative whole") << qint64{-30000} << u"-3.00"_s;
    QTest::newRow("negative small") << qint64{-1} << u"-0.0001"_s;
    QTest::newRow("zero") << qint64{0} << u"0.00"_s;
    QTest::newRow("min") << std::numeric_limits<qint64>::min() << u"-922337203685477.5808"_s;
}

void TestMoney::format()
{
    QFETCH(qint64, units);
    QFETCH(QString, text);
    QCOMPARE(Money::fromUnits(units).toString(), text);
}

void TestMoney::compare()
{
    const Money a = Money::fromUnits(100);
    const Money b = Money::fromUnits(200);
    QVERIFY(a < b);
    QVERIFY(b > a);
    QVERIFY(a <= a);
    QVERIFY(a == Money::fromUnits(100));
    QVERIFY(a != b);
    QVERIFY(Money::fromUnits(-1).isNegative());
    QVERIFY(!Money().isNegative());
    QCOMPARE(Money().units(), qint64{0});
    // Decimal, not binary floating point: 0.1 + 0.2 is exactly 0.3.
    QCOMPARE(Money::parse(u"0.1")->units() + Money::parse(u"0.2")->units(),
             Money::parse(u"0.3")->units());
}

QTEST_APPLESS_MAIN(TestMoney)
#include "tst_money.moc"
