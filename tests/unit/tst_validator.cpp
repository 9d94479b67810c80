#include "model/Validator.h"

#include <QTest>

using namespace Qt::StringLiterals;
using namespace pfa::model;

Q_DECLARE_METATYPE(pfa::model::FieldMap)

namespace {

QDateTime utc(int y, int m, int d, int h = 0, int mi = 0)
{
    return QDateTime(QDate(y, m, d), QTime(h, mi), Qt::UTC);
}

Money money(const char16_t* text)
{
    return Money::parse(text).value();
}

const FieldMap Valid{
    {PfaField::PfaId, u"PFA-12345"_s},
    {PfaField::OrganizationCode, u"RIO"_s},
    {PfaField::Source, u"Rental"_s},
    {PfaField::Dor, u"BEO"_s},
    {PfaField::MonthlyRate, money(u"1500.00")},
    {PfaField::ForecastStart, utc(2026, 2, 1)},
    {PfaField::ForecastEnd, utc(2026, 3, 1)},
    {PfaField::ActualStart, utc(2026, 2, 3)},
    {PfaField::ActualEnd, utc(2026, 2, 28)},
    {PfaField::Description, u"Crawler crane\twith\nnotes"_s},
};

FieldMap with(FieldMap map, std::initializer_list<std::pair<PfaField, FieldValue>> changes)
{
    for (const auto& [field, value] : changes)
        map.insert_or_assign(field, value);
    return map;
}

FieldMap without(FieldMap map, PfaField field)
{
    map.erase(field);
    return map;
}

QString repeated(const QString& unit, int times)
{
    return unit.repeated(times);
}

QString describe(const std::vector<ValidationIssue>& issues)
{
    QStringList lines;
    for (const ValidationIssue& issue : issues)
        lines.append(issue.rule + u": "_s + issue.message);
    return lines.join(u"; "_s);
}

} // namespace

class TestValidator final : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void record_data();
    void record();
    void reportsEveryIssue();
    void deltaImmutableKeys();
    void deltaIssuesItMakes();
    void deltaKeepsBaseIssues();
    void deltaCanFixBase();
    void checkReturnsFirstIssue();
};

void TestValidator::record_data()
{
    QTest::addColumn<FieldMap>("record");
    QTest::addColumn<QString>("rule");     // empty: the record is valid
    QTest::addColumn<QString>("field");    // the field the issue is about
    QTest::addColumn<QString>("fragment"); // part of the message

    const FieldMap purchase =
        with(without(Valid, PfaField::MonthlyRate),
             {{PfaField::Source, u"Purchase"_s}, {PfaField::PurchasePrice, money(u"250000")}});

    QTest::newRow("valid rental") << Valid << QString() << QString() << QString();
    QTest::newRow("valid purchase") << purchase << QString() << QString() << QString();
    QTest::newRow("valid keys only")
        << FieldMap{{PfaField::PfaId, u"P"_s}, {PfaField::OrganizationCode, u"O"_s}} << QString()
        << QString() << QString();

    // required
    QTest::newRow("pfaId missing")
        << without(Valid, PfaField::PfaId) << u"required"_s << u"pfaId"_s << u"pfaId is required"_s;
    QTest::newRow("pfaId null") << with(Valid, {{PfaField::PfaId, FieldValue{}}}) << u"required"_s
                                << u"pfaId"_s << u"pfaId is required"_s;
    QTest::newRow("pfaId blank") << with(Valid, {{PfaField::PfaId, u"  "_s}}) << u"required"_s
                                 << u"pfaId"_s << u"must not be empty"_s;
    QTest::newRow("organizationCode empty")
        << with(Valid, {{PfaField::OrganizationCode, QString()}}) << u"required"_s
        << u"organizationCode"_s << u"organizationCode is required"_s;

    // maxLength, in characters
    QTest::newRow("pfaId 64") << with(Valid, {{PfaField::PfaId, repeated(u"x"_s, 64)}}) << QString()
                              << QString() << QString();
    QTest::newRow("pfaId 65") << with(Valid, {{PfaField::PfaId, repeated(u"x"_s, 65)}})
                              << u"maxLength"_s << u"pfaId"_s
                              << u"pfaId is 65 characters long; at most 64"_s;
    QTest::newRow("organizationCode 33")
        << with(Valid, {{PfaField::OrganizationCode, repeated(u"O"_s, 33)}}) << u"maxLength"_s
        << u"organizationCode"_s << u"at most 32"_s;
    QTest::newRow("description 4000")
        << with(Valid, {{PfaField::Description, repeated(u"d"_s, 4000)}}) << QString() << QString()
        << QString();
    QTest::newRow("description 4001")
        << with(Valid, {{PfaField::Description, repeated(u"d"_s, 4001)}}) << u"maxLength"_s
        << u"description"_s << u"at most 4000"_s;
    QTest::newRow("128 emoji fit") << with(Valid, {{PfaField::AreaSilo, repeated(u"👷"_s, 128)}})
                                   << QString() << QString() << QString();
    QTest::newRow("129 emoji") << with(Valid, {{PfaField::AreaSilo, repeated(u"👷"_s, 129)}})
                               << u"maxLength"_s << u"areaSilo"_s << u"129 characters"_s;
    QTest::newRow("manufacturer 129")
        << with(Valid, {{PfaField::Manufacturer, repeated(u"m"_s, 129)}}) << u"maxLength"_s
        << u"manufacturer"_s << u"at most 128"_s;

    // enum
    QTest::newRow("source lower case")
        << with(Valid, {{PfaField::Source, u"rental"_s}}) << u"enum"_s << u"source"_s
        << u"source is \"rental\" but must be one of: Rental, Purchase"_s;
    QTest::newRow("source empty") << with(Valid, {{PfaField::Source, QString()}}) << u"enum"_s
                                  << u"source"_s << u"Rental, Purchase"_s;
    QTest::newRow("dor lower case")
        << with(Valid, {{PfaField::Dor, u"beo"_s}}) << u"enum"_s << u"dor"_s << u"BEO, PROJECT"_s;
    QTest::newRow("dor PROJECT") << with(Valid, {{PfaField::Dor, u"PROJECT"_s}}) << QString()
                                 << QString() << QString();

    // dateOrder
    QTest::newRow("forecast reversed")
        << with(Valid, {{PfaField::ForecastEnd, utc(2026, 1, 1)}}) << u"dateOrder"_s
        << u"forecastEnd"_s << u"forecastEnd (2026-01-01) is before forecastStart (2026-02-01)"_s;
    QTest::newRow("forecast same day") << with(Valid, {{PfaField::ForecastEnd, utc(2026, 2, 1)}})
                                       << QString() << QString() << QString();
    QTest::newRow("forecast only end")
        << without(Valid, PfaField::ForecastStart) << QString() << QString() << QString();
    QTest::newRow("actual reversed by hours")
        << with(Valid, {{PfaField::ActualStart, utc(2026, 2, 3, 12)},
                        {PfaField::ActualEnd, utc(2026, 2, 3, 9, 30)}})
        << u"dateOrder"_s << u"actualEnd"_s
        << u"actualEnd (2026-02-03T09:30:00.000Z) is before actualStart (2026-02-03T12:00:00.000Z)"_s;

    // rentalRate
    QTest::newRow("rental without rate")
        << without(Valid, PfaField::MonthlyRate) << u"rentalRate"_s << u"monthlyRate"_s
        << u"monthlyRate is required when source is Rental"_s;
    QTest::newRow("rental null rate")
        << with(Valid, {{PfaField::MonthlyRate, FieldValue{}}}) << u"rentalRate"_s
        << u"monthlyRate"_s << u"required when source is Rental"_s;
    QTest::newRow("rental negative rate")
        << with(Valid, {{PfaField::MonthlyRate, money(u"-0.01")}}) << u"rentalRate"_s
        << u"monthlyRate"_s << u"monthlyRate (-0.01) must not be negative when source is Rental"_s;
    QTest::newRow("rental zero rate")
        << with(Valid, {{PfaField::MonthlyRate, Money()}}) << QString() << QString() << QString();

    // purchasePrice
    QTest::newRow("purchase without price")
        << without(purchase, PfaField::PurchasePrice) << u"purchasePrice"_s << u"purchasePrice"_s
        << u"purchasePrice is required when source is Purchase"_s;
    QTest::newRow("purchase negative price")
        << with(purchase, {{PfaField::PurchasePrice, money(u"-5")}}) << u"purchasePrice"_s
        << u"purchasePrice"_s << u"purchasePrice (-5.00) must not be negative"_s;

    // nonNegative: money that no source rule covers
    QTest::newRow("negative price on rental")
        << with(Valid, {{PfaField::PurchasePrice, money(u"-1")}}) << u"nonNegative"_s
        << u"purchasePrice"_s << u"purchasePrice (-1.00) must not be negative"_s;
    QTest::newRow("negative rate without source")
        << with(without(Valid, PfaField::Source), {{PfaField::MonthlyRate, money(u"-0.0001")}})
        << u"nonNegative"_s << u"monthlyRate"_s << u"monthlyRate (-0.0001)"_s;

    // controlChars
    QTest::newRow("bell") << with(Valid, {{PfaField::Description, u"ring\u0007"_s}})
                          << u"controlChars"_s << u"description"_s
                          << u"description contains the control character U+0007"_s;
    QTest::newRow("carriage return") << with(Valid, {{PfaField::Model, u"a\r\nb"_s}})
                                     << u"controlChars"_s << u"model"_s << u"U+000D"_s;
    QTest::newRow("nul") << with(Valid, {{PfaField::EquipmentId, QString(QChar(u'\0'))}})
                         << u"controlChars"_s << u"equipmentId"_s << u"U+0000"_s;
    QTest::newRow("delete") << with(Valid, {{PfaField::Category, u"x\u007F"_s}})
                            << u"controlChars"_s << u"category"_s << u"U+007F"_s;
    QTest::newRow("C1 next line") << with(Valid, {{PfaField::Class, u"x\u0085"_s}})
                                  << u"controlChars"_s << u"class"_s << u"U+0085"_s;
    QTest::newRow("escape in key") << with(Valid, {{PfaField::PfaId, u"PFA\u001B[31m"_s}})
                                   << u"controlChars"_s << u"pfaId"_s << u"U+001B"_s;

    // type: a FieldMap built in code with the wrong alternative
    QTest::newRow("text in money")
        << with(Valid, {{PfaField::MonthlyRate, u"100"_s}}) << u"type"_s << u"monthlyRate"_s
        << u"monthlyRate holds text but must be a money amount"_s;
    QTest::newRow("text in bool") << with(Valid, {{PfaField::IsActualized, u"yes"_s}}) << u"type"_s
                                  << u"isActualized"_s << u"true or false"_s;

    // injection text is just text: valid, stored verbatim
    QTest::newRow("html and sql") << with(Valid,
                                          {{PfaField::Description, u"<script>alert(1)</script>"_s},
                                           {PfaField::Model, u"'; DROP TABLE pfa_mirror; --"_s}})
                                  << QString() << QString() << QString();
}

void TestValidator::record()
{
    QFETCH(FieldMap, record);
    QFETCH(QString, rule);
    QFETCH(QString, field);
    QFETCH(QString, fragment);

    const auto issues = Validator::validateRecord(record);
    if (rule.isEmpty()) {
        QVERIFY2(issues.empty(), qPrintable(describe(issues)));
        QVERIFY(Validator::check(record).has_value());
        return;
    }
    QCOMPARE(issues.size(), std::size_t{1});
    const ValidationIssue& issue = issues.front();
    QCOMPARE(issue.rule, rule);
    QCOMPARE(wireName(issue.field), field);
    QVERIFY2(issue.message.contains(field), qPrintable(issue.message));
    QVERIFY2(issue.message.contains(fragment), qPrintable(issue.message));
}

void TestValidator::reportsEveryIssue()
{
    const FieldMap record =
        with(without(Valid, PfaField::PfaId), {{PfaField::Dor, u"X"_s},
                                               {PfaField::ForecastEnd, utc(2025, 1, 1)},
                                               {PfaField::MonthlyRate, FieldValue{}}});
    const auto issues = Validator::validateRecord(record);
    QStringList rules;
    for (const ValidationIssue& issue : issues)
        rules.append(issue.rule);
    QCOMPARE(rules, (QStringList{u"required"_s, u"enum"_s, u"dateOrder"_s, u"rentalRate"_s}));
}

void TestValidator::deltaImmutableKeys()
{
    auto issues = Validator::validateDelta(Valid, {{PfaField::PfaId, u"PFA-99999"_s}});
    QCOMPARE(issues.size(), std::size_t{1});
    QCOMPARE(issues[0].rule, u"immutable"_s);
    QCOMPARE(issues[0].field, PfaField::PfaId);
    QCOMPARE(issues[0].message, u"pfaId cannot be changed (from \"PFA-12345\" to \"PFA-99999\")"_s);

    issues = Validator::validateDelta(Valid, {{PfaField::OrganizationCode, FieldValue{}}});
    QVERIFY(!issues.empty());
    QCOMPARE(issues[0].rule, u"immutable"_s);
    QCOMPARE(issues[0].field, PfaField::OrganizationCode);

    // Repeating the same key value is not a change.
    issues = Validator::validateDelta(
        Valid, {{PfaField::PfaId, u"PFA-12345"_s}, {PfaField::OrganizationCode, u"RIO"_s}});
    QVERIFY2(issues.empty(), qPrintable(describe(issues)));
}

void TestValidator::deltaIssuesItMakes()
{
    QVERIFY(Validator::validateDelta(Valid, {{PfaField::Description, u"ok"_s}}).empty());

    auto issues = Validator::validateDelta(Valid, {{PfaField::ForecastStart, utc(2026, 4, 1)}});
    QCOMPARE(issues.size(), std::size_t{1});
    QCOMPARE(issues[0].rule, u"dateOrder"_s);
    QCOMPARE(issues[0].message, u"forecastEnd (2026-03-01) is before forecastStart (2026-04-01)"_s);

    issues = Validator::validateDelta(Valid, {{PfaField::MonthlyRate, FieldValue{}}});
    QCOMPARE(issues.size(), std::size_t{1});
    QCOMPARE(issues[0].rule, u"rentalRate"_s);

    issues = Validator::validateDelta(Valid, {{PfaField::Source, u"Purchase"_s}});
    QCOMPARE(issues.size(), std::size_t{1});
    QCOMPARE(issues[0].rule, u"purchasePrice"_s);
}

void TestValidator::deltaKeepsBaseIssues()
{
    // Chosen behaviour: the whole resulting record must be valid before it is sent, so an issue
    // the base already had is reported even though the delta does not touch that field.
    const FieldMap badBase = with(Valid, {{PfaField::ActualEnd, utc(2026, 1, 1)}});
    const auto issues = Validator::validateDelta(badBase, {{PfaField::Description, u"x"_s}});
    QCOMPARE(issues.size(), std::size_t{1});
    QCOMPARE(issues[0].rule, u"dateOrder"_s);
    QCOMPARE(issues[0].field, PfaField::ActualEnd);
}

void TestValidator::deltaCanFixBase()
{
    const FieldMap badBase = with(Valid, {{PfaField::ActualEnd, utc(2026, 1, 1)}});
    QVERIFY(Validator::validateDelta(badBase, {{PfaField::ActualEnd, FieldValue{}}}).empty());
    QVERIFY(Validator::check(badBase, {{PfaField::ActualEnd, utc(2026, 3, 1)}}).has_value());
}

void TestValidator::checkReturnsFirstIssue()
{
    const auto ok = Validator::check(Valid);
    QVERIFY(ok.has_value());

    const auto bad = Validator::check(with(Valid, {{PfaField::ForecastEnd, utc(2026, 1, 1)}}));
    QVERIFY(!bad.has_value());
    QCOMPARE(bad.error().code, pfa::ErrorCode::Validation);
    QCOMPARE(bad.error().field, u"forecastEnd"_s);
    QCOMPARE(bad.error().message,
             u"forecastEnd (2026-01-01) is before forecastStart (2026-02-01)"_s);

    const auto immutable = Validator::check(Valid, {{PfaField::OrganizationCode, u"XYZ"_s}});
    QVERIFY(!immutable.has_value());
    QCOMPARE(immutable.error().code, pfa::ErrorCode::Validation);
    QCOMPARE(immutable.error().field, u"organizationCode"_s);
}

QTEST_APPLESS_MAIN(TestValidator)
#include "tst_validator.moc"
