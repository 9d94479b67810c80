#include "model/FieldValue.h"

#include <QTest>

#include <set>

using namespace Qt::StringLiterals;
using namespace pfa::model;

namespace {

QByteArray dump(const nlohmann::json& json)
{
    return QByteArray::fromStdString(json.dump());
}

PfaField fieldNamed(const QString& name)
{
    return fieldFromWire(name).value();
}

QDateTime utc(int y, int m, int d, int h = 0, int mi = 0, int s = 0, int ms = 0)
{
    return QDateTime(QDate(y, m, d), QTime(h, mi, s, ms), Qt::UTC);
}

const QString Script = u"<script>alert(1)</script>"_s;
const QString Sql = u"'; DROP TABLE pfa_mirror; --"_s;

} // namespace

class TestFieldValue final : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void catalog();
    void roundTrip_data();
    void roundTrip();
    void typedValues();
    void reject_data();
    void reject();
    void fieldMapRoundTrip();
    void fieldMapRejects_data();
    void fieldMapRejects();
    void parseJsonRejects_data();
    void parseJsonRejects();
    void injectionTextVerbatim();
    void displayString();
};

void TestFieldValue::catalog()
{
    const auto specs = allFieldSpecs();
    QCOMPARE(specs.size(), std::size_t{22});
    std::set<std::string_view> names;
    for (const FieldSpec& spec : specs) {
        QVERIFY(names.insert(spec.wireName).second);
        QCOMPARE(&fieldSpec(spec.field), &spec);
        QCOMPARE(fieldFromWire(wireName(spec.field)), std::optional<PfaField>(spec.field));
        QCOMPARE(spec.key,
                 spec.field == PfaField::PfaId || spec.field == PfaField::OrganizationCode);
        QCOMPARE(spec.allowed.empty(), spec.kind != FieldKind::Enum);
    }
    QCOMPARE(wireName(PfaField::Class), u"class"_s);
    QCOMPARE(wireName(PfaField::IsFundsTransferable), u"isFundsTransferable"_s);
    QCOMPARE(fieldSpec(PfaField::PfaId).maxLength, 64);
    QCOMPARE(fieldSpec(PfaField::OrganizationCode).maxLength, 32);
    QCOMPARE(fieldSpec(PfaField::Description).maxLength, 4000);
    QCOMPARE(fieldSpec(PfaField::Manufacturer).maxLength, 128);
    QCOMPARE(fieldSpec(PfaField::Source).allowed.size(), std::size_t{2});
    QCOMPARE(fieldSpec(PfaField::Dor).allowed[1], std::string_view("PROJECT"));
    QCOMPARE(fieldSpec(PfaField::MonthlyRate).kind, FieldKind::Money);
    QCOMPARE(fieldSpec(PfaField::ActualEnd).kind, FieldKind::DateTime);
    QCOMPARE(fieldSpec(PfaField::IsActualized).kind, FieldKind::Bool);
    QVERIFY(!fieldFromWire(u"PfaId").has_value()); // wire names are case-sensitive
    QVERIFY(!fieldFromWire(u"").has_value());
}

void TestFieldValue::roundTrip_data()
{
    QTest::addColumn<QString>("field");
    QTest::addColumn<QByteArray>("input");
    QTest::addColumn<QByteArray>("canonical");

    QTest::newRow("text") << u"pfaId"_s << QByteArray(R"("PFA-12345")")
                          << QByteArray(R"("PFA-12345")");
    QTest::newRow("text unicode") << u"description"_s
                                  << QByteArray("\"Gr\xC3\xBC\xC3\x9F"
                                                "e \xF0\x9F\x91\xB7\"")
                                  << QByteArray("\"Gr\xC3\xBC\xC3\x9F"
                                                "e \xF0\x9F\x91\xB7\"");
    QTest::newRow("text escapes") << u"description"_s << QByteArray(R"("line1\nline2\t\"q\"")")
                                  << QByteArray(R"("line1\nline2\t\"q\"")");
    QTest::newRow("text empty") << u"model"_s << QByteArray(R"("")") << QByteArray(R"("")");
    QTest::newRow("enum") << u"source"_s << QByteArray(R"("Rental")") << QByteArray(R"("Rental")");
    QTest::newRow("money string") << u"monthlyRate"_s << QByteArray(R"("1234.5")")
                                  << QByteArray(R"("1234.50")");
    QTest::newRow("money number") << u"monthlyRate"_s << QByteArray("1234.56")
                                  << QByteArray(R"("1234.56")");
    QTest::newRow("money 0.1") << u"purchasePrice"_s << QByteArray("0.1")
                               << QByteArray(R"("0.10")");
    QTest::newRow("money integer")
        << u"purchasePrice"_s << QByteArray("100") << QByteArray(R"("100.00")");
    QTest::newRow("money negative")
        << u"purchasePrice"_s << QByteArray("-12.0001") << QByteArray(R"("-12.0001")");
    QTest::newRow("money tiny") << u"purchasePrice"_s << QByteArray(R"("0.0001")")
                                << QByteArray(R"("0.0001")");
    QTest::newRow("date only") << u"forecastStart"_s << QByteArray(R"("2026-03-01")")
                               << QByteArray(R"("2026-03-01T00:00:00.000Z")");
    QTest::newRow("zulu") << u"forecastEnd"_s << QByteArray(R"("2026-03-01T08:30:15Z")")
                          << QByteArray(R"("2026-03-01T08:30:15.000Z")");
    QTest::newRow("no seconds") << u"forecastEnd"_s << QByteArray(R"("2026-03-01T08:30Z")")
                                << QByteArray(R"("2026-03-01T08:30:00.000Z")");
    QTest::newRow("plus offset") << u"actualStart"_s << QByteArray(R"("2026-03-01T08:30:00+01:00")")
                                 << QByteArray(R"("2026-03-01T07:30:00.000Z")");
    QTest::newRow("minus offset crosses day")
        << u"actualEnd"_s << QByteArray(R"("2026-03-01T23:30:00-05:30")")
        << QByteArray(R"("2026-03-02T05:00:00.000Z")");
    QTest::newRow("microseconds truncated")
        << u"originalStart"_s << QByteArray(R"("2026-03-01T00:00:00.123456Z")")
        << QByteArray(R"("2026-03-01T00:00:00.123Z")");
    QTest::newRow("one fraction digit")
        << u"originalEnd"_s << QByteArray(R"("2026-03-01T00:00:00.5Z")")
        << QByteArray(R"("2026-03-01T00:00:00.500Z")");
    QTest::newRow("leap day") << u"originalEnd"_s << QByteArray(R"("2024-02-29")")
                              << QByteArray(R"("2024-02-29T00:00:00.000Z")");
    QTest::newRow("bool true") << u"isActualized"_s << QByteArray("true") << QByteArray("true");
    QTest::newRow("bool false") << u"isDiscontinued"_s << QByteArray("false")
                                << QByteArray("false");
    QTest::newRow("null text") << u"areaSilo"_s << QByteArray("null") << QByteArray("null");
    QTest::newRow("null enum") << u"dor"_s << QByteArray("null") << QByteArray("null");
    QTest::newRow("null money") << u"monthlyRate"_s << QByteArray("null") << QByteArray("null");
    QTest::newRow("null date") << u"actualEnd"_s << QByteArray("null") << QByteArray("null");
    QTest::newRow("null bool") << u"isFundsTransferable"_s << QByteArray("null")
                               << QByteArray("null");
}

void TestFieldValue::roundTrip()
{
    QFETCH(QString, field);
    QFETCH(QByteArray, input);
    QFETCH(QByteArray, canonical);

    const auto json = parseJson(input);
    QVERIFY2(json.has_value(), qPrintable(json ? QString() : json.error().message));
    const auto value = fieldValueFromJson(fieldNamed(field), *json);
    QVERIFY2(value.has_value(), qPrintable(value ? QString() : value.error().toString()));
    QCOMPARE(dump(fieldValueToJson(*value)), canonical);

    // Canonical output reads back to an equal value and prints the same again.
    const auto again = fieldValueFromJson(fieldNamed(field), fieldValueToJson(*value));
    QVERIFY(again.has_value());
    QVERIFY(*again == *value);
    QCOMPARE(dump(fieldValueToJson(*again)), canonical);
}

void TestFieldValue::typedValues()
{
    auto v = fieldValueFromJson(PfaField::MonthlyRate, nlohmann::json::parse("1234.56"));
    QVERIFY(v && std::holds_alternative<Money>(*v));
    QCOMPARE(std::get<Money>(*v).units(), qint64{12345600});

    v = fieldValueFromJson(PfaField::ForecastStart, nlohmann::json("2026-03-01T08:30:00+01:00"));
    QVERIFY(v && std::holds_alternative<QDateTime>(*v));
    QCOMPARE(std::get<QDateTime>(*v), utc(2026, 3, 1, 7, 30));
    QCOMPARE(std::get<QDateTime>(*v).timeSpec(), Qt::UTC);

    v = fieldValueFromJson(PfaField::IsActualized, nlohmann::json(true));
    QVERIFY(v && std::get<bool>(*v));

    v = fieldValueFromJson(PfaField::Dor, nlohmann::json(nullptr));
    QVERIFY(v && isNull(*v));

    // The same instant in two zones is the same value.
    const FieldValue a = utc(2026, 3, 1, 7, 30);
    const FieldValue b = QDateTime(QDate(2026, 3, 1), QTime(8, 30), Qt::OffsetFromUTC, 3600);
    QVERIFY(a == b);
}

void TestFieldValue::reject_data()
{
    QTest::addColumn<QString>("field");
    QTest::addColumn<QByteArray>("input");
    QTest::addColumn<QString>("fragment");

    const QString str = u"expected a string"_s;
    QTest::newRow("text number") << u"pfaId"_s << QByteArray("123") << str;
    QTest::newRow("text bool") << u"description"_s << QByteArray("true") << str;
    QTest::newRow("text array") << u"model"_s << QByteArray(R"(["a"])") << str;
    QTest::newRow("text object") << u"category"_s << QByteArray(R"({"a":1})") << str;
    QTest::newRow("enum number") << u"source"_s << QByteArray("1") << str;
    QTest::newRow("enum bool") << u"dor"_s << QByteArray("false") << str;

    const QString money = u"expected money"_s;
    QTest::newRow("money bool") << u"monthlyRate"_s << QByteArray("true") << money;
    QTest::newRow("money array") << u"monthlyRate"_s << QByteArray("[1]") << money;
    QTest::newRow("money object") << u"purchasePrice"_s << QByteArray("{}") << money;
    QTest::newRow("money exponent text")
        << u"monthlyRate"_s << QByteArray(R"("1e5")") << u"exponent"_s;
    QTest::newRow("money exponent number")
        << u"monthlyRate"_s << QByteArray("1e20") << u"exponent"_s;
    QTest::newRow("money five places")
        << u"monthlyRate"_s << QByteArray("1.23456") << u"decimal places"_s;
    QTest::newRow("money text") << u"monthlyRate"_s << QByteArray(R"("abc")") << u"not a decimal"_s;
    QTest::newRow("money blank") << u"monthlyRate"_s << QByteArray(R"("")") << u"blank"_s;

    const QString date = u"ISO-8601"_s;
    QTest::newRow("date number") << u"forecastStart"_s << QByteArray("20260301") << date;
    QTest::newRow("date bool") << u"forecastStart"_s << QByteArray("true") << date;
    QTest::newRow("date Feb 30") << u"forecastStart"_s << QByteArray(R"("2026-02-30")")
                                 << u"not a real calendar date"_s;
    QTest::newRow("date Feb 29 non-leap")
        << u"forecastEnd"_s << QByteArray(R"("2026-02-29T00:00:00Z")")
        << u"not a real calendar date"_s;
    QTest::newRow("date month 13")
        << u"forecastEnd"_s << QByteArray(R"("2026-13-01")") << u"not a real calendar date"_s;
    QTest::newRow("missing timezone")
        << u"actualStart"_s << QByteArray(R"("2026-03-01T10:00:00")") << u"no time zone"_s;
    QTest::newRow("hour 25") << u"actualStart"_s << QByteArray(R"("2026-03-01T25:00:00Z")")
                             << u"not a real time"_s;
    QTest::newRow("second 60") << u"actualStart"_s << QByteArray(R"("2026-03-01T10:00:60Z")")
                               << u"not a real time"_s;
    QTest::newRow("offset 25h") << u"actualEnd"_s << QByteArray(R"("2026-03-01T10:00:00+25:00")")
                                << u"impossible UTC offset"_s;
    QTest::newRow("offset without colon")
        << u"actualEnd"_s << QByteArray(R"("2026-03-01T10:00:00+0100")") << date;
    QTest::newRow("us format") << u"originalStart"_s << QByteArray(R"("03/01/2026")") << date;
    QTest::newRow("space separator")
        << u"originalStart"_s << QByteArray(R"("2026-03-01 10:00:00Z")") << date;
    QTest::newRow("empty date") << u"originalEnd"_s << QByteArray(R"("")") << date;
    QTest::newRow("trailing text") << u"originalEnd"_s << QByteArray(R"("2026-03-01Zx")") << date;

    const QString boolean = u"expected true or false"_s;
    QTest::newRow("bool string") << u"isActualized"_s << QByteArray(R"("true")") << boolean;
    QTest::newRow("bool number") << u"isDiscontinued"_s << QByteArray("1") << boolean;
    QTest::newRow("bool zero") << u"isFundsTransferable"_s << QByteArray("0") << boolean;
}

void TestFieldValue::reject()
{
    QFETCH(QString, field);
    QFETCH(QByteArray, input);
    QFETCH(QString, fragment);

    const auto json = parseJson(input);
    QVERIFY(json.has_value());
    const auto value = fieldValueFromJson(fieldNamed(field), *json);
    QVERIFY(!value.has_value());
    QCOMPARE(value.error().code, pfa::ErrorCode::InvalidInput);
    QCOMPARE(value.error().field, field);
    QVERIFY2(value.error().message.contains(fragment), qPrintable(value.error().message));
}

void TestFieldValue::fieldMapRoundTrip()
{
    const FieldMap record{
        {PfaField::PfaId, u"PFA-12345"_s},
        {PfaField::OrganizationCode, u"RIO"_s},
        {PfaField::AreaSilo, u"Silo 4"_s},
        {PfaField::Category, u"Cranes"_s},
        {PfaField::Class, u"Heavy"_s},
        {PfaField::Source, u"Rental"_s},
        {PfaField::Dor, u"PROJECT"_s},
        {PfaField::MonthlyRate, Money::fromUnits(12345600)},
        {PfaField::PurchasePrice, FieldValue{}},
        {PfaField::OriginalStart, utc(2026, 1, 1)},
        {PfaField::OriginalEnd, utc(2026, 6, 30)},
        {PfaField::ForecastStart, utc(2026, 2, 1, 8)},
        {PfaField::ForecastEnd, utc(2026, 7, 1, 17, 30, 0, 250)},
        {PfaField::ActualStart, utc(2026, 2, 3)},
        {PfaField::ActualEnd, FieldValue{}},
        {PfaField::IsActualized, true},
        {PfaField::IsDiscontinued, false},
        {PfaField::IsFundsTransferable, true},
        {PfaField::Manufacturer, u"Liebherr"_s},
        {PfaField::Model, Sql},
        {PfaField::EquipmentId, u"EQ-1"_s},
        {PfaField::Description, Script},
    };
    QCOMPARE(record.size(), allFieldSpecs().size());

    const nlohmann::json json = fieldMapToJson(record);
    QVERIFY(json.is_object());
    QCOMPARE(json.size(), std::size_t{22});
    QCOMPARE(dump(json.at("monthlyRate")), dump(nlohmann::json("1234.56")));
    QCOMPARE(dump(json.at("forecastEnd")), dump(nlohmann::json("2026-07-01T17:30:00.250Z")));
    QVERIFY(json.at("purchasePrice").is_null());

    const auto text = dump(json);
    const auto parsed = parseJson(text);
    QVERIFY(parsed.has_value());
    const auto back = fieldMapFromJson(*parsed);
    QVERIFY2(back.has_value(), qPrintable(back ? QString() : back.error().toString()));
    QVERIFY(*back == record);

    const auto empty = fieldMapFromJson(nlohmann::json::object());
    QVERIFY(empty && empty->empty());
}

void TestFieldValue::fieldMapRejects_data()
{
    QTest::addColumn<QByteArray>("input");
    QTest::addColumn<QString>("field");
    QTest::addColumn<QString>("fragment");

    QTest::newRow("unknown field") << QByteArray(R"({"pfaId":"P","colour":"red"})") << u"colour"_s
                                   << u"unknown field \"colour\""_s;
    QTest::newRow("wrong case") << QByteArray(R"({"PfaId":"P"})") << u"PfaId"_s
                                << u"unknown field"_s;
    QTest::newRow("wrong type") << QByteArray(R"({"pfaId":"P","isActualized":"yes"})")
                                << u"isActualized"_s << u"true or false"_s;
    QTest::newRow("bad money") << QByteArray(R"({"monthlyRate":"1.23456"})") << u"monthlyRate"_s
                               << u"decimal places"_s;
    QTest::newRow("array") << QByteArray(R"([{"pfaId":"P"}])") << QString()
                           << u"expected a JSON object"_s;
    QTest::newRow("string") << QByteArray(R"("pfaId")") << QString() << u"got string"_s;
    QTest::newRow("null") << QByteArray("null") << QString() << u"got null"_s;
    QTest::newRow("number") << QByteArray("42") << QString() << u"got number"_s;
}

void TestFieldValue::fieldMapRejects()
{
    QFETCH(QByteArray, input);
    QFETCH(QString, field);
    QFETCH(QString, fragment);

    const auto json = parseJson(input);
    QVERIFY(json.has_value());
    const auto map = fieldMapFromJson(*json);
    QVERIFY(!map.has_value());
    QCOMPARE(map.error().code, pfa::ErrorCode::InvalidInput);
    QCOMPARE(map.error().field, field);
    QVERIFY2(map.error().message.contains(fragment), qPrintable(map.error().message));
}

void TestFieldValue::parseJsonRejects_data()
{
    QTest::addColumn<QByteArray>("input");
    QTest::addColumn<QString>("fragment");

    QTest::newRow("invalid UTF-8 in string")
        << QByteArray("{\"description\": \"\xC3\x28\"}") << u"UTF-8"_s;
    QTest::newRow("lone continuation byte") << QByteArray("[\"a\x80\"]") << u"UTF-8"_s;
    QTest::newRow("overlong encoding") << QByteArray("[\"\xC0\xAF\"]") << u"UTF-8"_s;
    QTest::newRow("invalid byte outside string") << QByteArray("{\xC3\x28}") << u"line 1"_s;
    QTest::newRow("truncated") << QByteArray(R"({"pfaId": "P)") << u"line 1"_s;
    QTest::newRow("trailing garbage") << QByteArray(R"({} x)") << u"column"_s;
    QTest::newRow("empty") << QByteArray() << u"line 1"_s;
    QTest::newRow("second line") << QByteArray("{\n  \"a\": trux}") << u"line 2"_s;
}

void TestFieldValue::parseJsonRejects()
{
    QFETCH(QByteArray, input);
    QFETCH(QString, fragment);

    const auto json = parseJson(input);
    QVERIFY(!json.has_value());
    QCOMPARE(json.error().code, pfa::ErrorCode::InvalidInput);
    QVERIFY2(json.error().message.contains(fragment), qPrintable(json.error().message));
    QVERIFY2(json.error().message.startsWith(u"invalid JSON: parse error"),
             qPrintable(json.error().message));
}

void TestFieldValue::injectionTextVerbatim()
{
    const FieldMap record{{PfaField::Description, Script},
                          {PfaField::Model, Sql},
                          {PfaField::Manufacturer, u"O'Brien & \"Sons\" <b>"_s}};
    const QByteArray text = dump(fieldMapToJson(record));
    // Stored as written: no HTML escaping, no SQL quoting; that is the job of whoever renders it.
    QVERIFY(text.contains(Script.toUtf8()));
    QVERIFY(text.contains(Sql.toUtf8()));
    const auto back = fieldMapFromJson(*parseJson(text));
    QVERIFY(back.has_value());
    QCOMPARE(std::get<QString>(back->at(PfaField::Description)), Script);
    QCOMPARE(std::get<QString>(back->at(PfaField::Model)), Sql);
    QVERIFY(*back == record);
}

void TestFieldValue::displayString()
{
    QCOMPARE(fieldValueToDisplayString(FieldValue{}), QString());
    QCOMPARE(fieldValueToDisplayString(FieldValue{Script}), Script);
    QCOMPARE(fieldValueToDisplayString(FieldValue{Money::fromUnits(12345000)}), u"1234.50"_s);
    QCOMPARE(fieldValueToDisplayString(FieldValue{utc(2026, 3, 1)}), u"2026-03-01T00:00:00.000Z"_s);
    QCOMPARE(fieldValueToDisplayString(FieldValue{true}), u"true"_s);
    QCOMPARE(fieldValueToDisplayString(FieldValue{false}), u"false"_s);
}

QTEST_APPLESS_MAIN(TestFieldValue)
#include "tst_fieldvalue.moc"
