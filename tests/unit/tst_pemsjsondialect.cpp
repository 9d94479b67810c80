#include "pems/JsonDialect.h"

#include <QTest>

#include <nlohmann/json.hpp>

using namespace Qt::StringLiterals;
using namespace pfa;
using namespace pfa::pems;
using model::PfaField;

namespace {

using Headers = QList<QPair<QByteArray, QByteArray>>;

const QUrl Base(u"https://pems.example.com"_s);
const QDateTime ReceivedAt(QDate(2026, 3, 1), QTime(12, 0, 0), Qt::UTC);

QDateTime utc(int y, int m, int d, int h = 0, int mi = 0, int s = 0)
{
    return QDateTime(QDate(y, m, d), QTime(h, mi, s), Qt::UTC);
}

HttpResponse response(int status, const QByteArray& body, Headers headers = {})
{
    return HttpResponse{status, std::move(headers), body, ReceivedAt};
}

nlohmann::json bodyOf(const PreparedRequest& request)
{
    return nlohmann::json::parse(request.body.toStdString());
}

UpdateRequest sampleUpdate()
{
    UpdateRequest request;
    request.pfaId = u"PFA-12345"_s;
    request.organizationCode = u"RIO"_s;
    request.changes = {
        {PfaField::ForecastStart, utc(2025, 1, 15)},
        {PfaField::MonthlyRate, model::Money::parse(u"5500.00").value()},
        {PfaField::Dor, u"PROJECT"_s},
        {PfaField::IsActualized, true},
    };
    request.version = 3;
    request.modifiedBy = u"john.doe@example.com"_s;
    request.changeReason = u"Budget reallocation"_s;
    return request;
}

RemoveRequest sampleRemove()
{
    return RemoveRequest{u"PFA-12345"_s, u"RIO"_s, 7, u"jane@example.com"_s, u"retired"_s};
}

const RecordKey SampleKey{u"PFA-12345"_s, u"RIO"_s};

// The failure of the expected kind. On a mismatch the test is failed here and a default value is
// returned, so that the caller's further checks cannot crash.
template<typename T>
const T& failureAs(const auto& outcome)
{
    static const T fallback{};
    if (outcome.has_value()) {
        QTest::qFail("expected a failure, got a value", __FILE__, __LINE__);
        return fallback;
    }
    const auto* failure = std::get_if<T>(&outcome.error());
    if (!failure) {
        const QByteArray text = "unexpected failure: " + describe(outcome.error()).toUtf8();
        QTest::qFail(text.constData(), __FILE__, __LINE__);
        return fallback;
    }
    return *failure;
}

const QByteArray RecordJson = R"({
    "pfaId": "PFA-12345", "organizationCode": "RIO", "version": 4,
    "updatedAt": "2026-02-01T08:30:00.000Z", "deleted": false,
    "data": {"pfaId": "PFA-12345", "organizationCode": "RIO", "source": "Rental",
             "monthlyRate": "1234.50", "forecastStart": "2026-03-01T00:00:00Z",
             "isDiscontinued": false, "description": "Crane"}
})";

} // namespace

class TestPemsJsonDialect final : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void name();
    void prepareUpdate();
    void prepareUpdateBasePath_data();
    void prepareUpdateBasePath();
    void pfaIdIsOneEncodedSegment();
    void prepareRemove();
    void prepareGet();
    void prepareList();
    void prepareListMinimal();
    void prepareHealth();
    void prepareRefuses_data();
    void prepareRefuses();

    void updateSuccess();
    void replayedHeader_data();
    void replayedHeader();
    void removeSuccess();
    void successMalformed_data();
    void successMalformed();
    void versionConflict();
    void versionConflictDefaults();
    void versionConflictMalformed_data();
    void versionConflictMalformed();
    void validationError();
    void permanentStatuses_data();
    void permanentStatuses();
    void permanentWithoutJsonBody();
    void unauthorized_data();
    void unauthorized();
    void rateLimited_data();
    void rateLimited();
    void serverErrors_data();
    void serverErrors();
    void serverErrorWithRetryAfter();
    void redirectIsPermanent();
    void unexpectedStatus();
    void failureClasses();
    void toErrorMapping();

    void getRecord();
    void getRecordUnknownFields();
    void getTombstone();
    void getMalformed_data();
    void getMalformed();
    void getNotFound();
    void listPage();
    void listLastPage_data();
    void listLastPage();
    void listMalformed_data();
    void listMalformed();
    void health_data();
    void health();
    void healthMalformed();
};

void TestPemsJsonDialect::name()
{
    QCOMPARE(JsonDialect().name(), u"json"_s);
}

void TestPemsJsonDialect::prepareUpdate()
{
    const auto prepared = JsonDialect().prepareUpdate(Base, sampleUpdate());
    QVERIFY(prepared);
    QCOMPARE(prepared->verb, "PUT");
    QCOMPARE(prepared->request.url().toString(QUrl::FullyEncoded),
             u"https://pems.example.com/api/pems/pfa/PFA-12345"_s);
    QCOMPARE(prepared->request.rawHeader("Content-Type"), "application/json; charset=utf-8");
    QCOMPARE(prepared->request.rawHeader("Accept"), "application/json");

    const nlohmann::json body = bodyOf(*prepared);
    QVERIFY(body.at("pfaId") == "PFA-12345");
    QVERIFY(body.at("organizationCode") == "RIO");
    QVERIFY(body.at("version") == 3);
    QVERIFY(body.at("modifiedBy") == "john.doe@example.com");
    QVERIFY(body.at("changeReason") == "Budget reallocation");
    const nlohmann::json& changes = body.at("changes");
    QCOMPARE(changes.size(), std::size_t(4));
    QVERIFY(changes.at("monthlyRate") == "5500.00"); // money as an exact decimal string
    QVERIFY(changes.at("forecastStart") == "2025-01-15T00:00:00.000Z");
    QVERIFY(changes.at("dor") == "PROJECT");
    QVERIFY(changes.at("isActualized") == true);
}

void TestPemsJsonDialect::prepareUpdateBasePath_data()
{
    QTest::addColumn<QString>("base");
    QTest::addColumn<QString>("expected");
    QTest::newRow("bare host") << u"https://pems.example.com"_s
                               << u"https://pems.example.com/api/pems/pfa/PFA-12345"_s;
    QTest::newRow("trailing slash")
        << u"https://pems.example.com/"_s << u"https://pems.example.com/api/pems/pfa/PFA-12345"_s;
    QTest::newRow("prefix") << u"https://gw.example.com/pems/"_s
                            << u"https://gw.example.com/pems/api/pems/pfa/PFA-12345"_s;
    QTest::newRow("port") << u"http://127.0.0.1:8123"_s
                          << u"http://127.0.0.1:8123/api/pems/pfa/PFA-12345"_s;
}

void TestPemsJsonDialect::prepareUpdateBasePath()
{
    QFETCH(QString, base);
    QFETCH(QString, expected);
    const auto prepared = JsonDialect().prepareUpdate(QUrl(base), sampleUpdate());
    QVERIFY(prepared);
    QCOMPARE(prepared->request.url().toString(QUrl::FullyEncoded), expected);
}

void TestPemsJsonDialect::pfaIdIsOneEncodedSegment()
{
    RecordKey key{u"PFA/1 ?#&é"_s, u"R&D"_s};
    const auto prepared = JsonDialect().prepareGet(Base, key);
    QVERIFY(prepared);
    const QUrl url = prepared->request.url();
    QCOMPARE(url.path(QUrl::FullyEncoded), u"/api/pems/pfa/PFA%2F1%20%3F%23%26%C3%A9"_s);
    QCOMPARE(url.query(QUrl::FullyEncoded), u"organizationCode=R%26D"_s);
    QVERIFY(!url.hasFragment());
}

void TestPemsJsonDialect::prepareRemove()
{
    const auto prepared = JsonDialect().prepareRemove(Base, sampleRemove());
    QVERIFY(prepared);
    QCOMPARE(prepared->verb, "DELETE");
    QCOMPARE(prepared->request.url().toString(QUrl::FullyEncoded),
             u"https://pems.example.com/api/pems/pfa/PFA-12345?organizationCode=RIO&version=7"_s);
    QVERIFY(prepared->body.isEmpty());
    QVERIFY(prepared->request.rawHeader("Content-Type").isEmpty());
}

void TestPemsJsonDialect::prepareGet()
{
    const auto prepared = JsonDialect().prepareGet(Base, SampleKey);
    QVERIFY(prepared);
    QCOMPARE(prepared->verb, "GET");
    QCOMPARE(prepared->request.url().toString(QUrl::FullyEncoded),
             u"https://pems.example.com/api/pems/pfa/PFA-12345?organizationCode=RIO"_s);
    QVERIFY(prepared->body.isEmpty());
}

void TestPemsJsonDialect::prepareList()
{
    ListQuery query{u"RIO"_s, utc(2026, 2, 1, 8, 30), 250, u"a+b/c=d&e"_s};
    const auto prepared = JsonDialect().prepareList(Base, query);
    QVERIFY(prepared);
    QCOMPARE(prepared->verb, "GET");
    const QUrl url = prepared->request.url();
    QCOMPARE(url.path(), u"/api/pems/pfa"_s);
    // '+' and ':' are encoded too, so that no server reads them as a space or a delimiter.
    QCOMPARE(url.query(QUrl::FullyEncoded),
             u"organizationCode=RIO&updatedSince=2026-02-01T08%3A30%3A00.000Z&limit=250"
             "&cursor=a%2Bb%2Fc%3Dd%26e"_s);
}

void TestPemsJsonDialect::prepareListMinimal()
{
    const auto prepared = JsonDialect().prepareList(Base, ListQuery{u"RIO"_s, {}, 0, {}});
    QVERIFY(prepared);
    QCOMPARE(prepared->request.url().query(QUrl::FullyEncoded), u"organizationCode=RIO"_s);
}

void TestPemsJsonDialect::prepareHealth()
{
    const auto prepared = JsonDialect().prepareHealth(QUrl(u"https://gw.example.com/x/"_s));
    QVERIFY(prepared);
    QCOMPARE(prepared->verb, "GET");
    QCOMPARE(prepared->request.url().toString(QUrl::FullyEncoded),
             u"https://gw.example.com/x/api/pems/health"_s);
}

void TestPemsJsonDialect::prepareRefuses_data()
{
    QTest::addColumn<int>("which");
    QTest::addColumn<QString>("field");
    QTest::newRow("update without pfaId") << 0 << u"pfaId"_s;
    QTest::newRow("update without organization") << 1 << u"organizationCode"_s;
    QTest::newRow("update with a negative version") << 2 << u"version"_s;
    QTest::newRow("remove without pfaId") << 3 << u"pfaId"_s;
    QTest::newRow("get with blank pfaId") << 4 << u"pfaId"_s;
    QTest::newRow("list without organization") << 5 << u"organizationCode"_s;
    QTest::newRow("list with a negative limit") << 6 << u"limit"_s;
    QTest::newRow("list with an invalid time") << 7 << u"updatedSince"_s;
}

void TestPemsJsonDialect::prepareRefuses()
{
    QFETCH(int, which);
    QFETCH(QString, field);
    const JsonDialect dialect;
    UpdateRequest update = sampleUpdate();
    RemoveRequest remove = sampleRemove();
    Expected<PreparedRequest> prepared = fail(ErrorCode::Internal, {});
    switch (which) {
    case 0:
        update.pfaId.clear();
        prepared = dialect.prepareUpdate(Base, update);
        break;
    case 1:
        update.organizationCode.clear();
        prepared = dialect.prepareUpdate(Base, update);
        break;
    case 2:
        update.version = -1;
        prepared = dialect.prepareUpdate(Base, update);
        break;
    case 3:
        remove.pfaId.clear();
        prepared = dialect.prepareRemove(Base, remove);
        break;
    case 4:
        prepared = dialect.prepareGet(Base, RecordKey{u"  "_s, u"RIO"_s});
        break;
    case 5:
        prepared = dialect.prepareList(Base, ListQuery{});
        break;
    case 6:
        prepared = dialect.prepareList(Base, ListQuery{u"RIO"_s, {}, -1, {}});
        break;
    case 7:
        prepared = dialect.prepareList(Base, ListQuery{u"RIO"_s, QDateTime(), 0, {}});
        break;
    }
    QVERIFY(!prepared);
    QCOMPARE(prepared.error().code, ErrorCode::InvalidInput);
    QCOMPARE(prepared.error().field, field);
}

void TestPemsJsonDialect::updateSuccess()
{
    const auto outcome = JsonDialect().parseUpdate(
        sampleUpdate(),
        response(200, R"({"success":true,"pfaId":"PFA-12345","newVersion":4,)"
                      R"("updatedAt":"2025-11-28T10:30:00Z","message":"PFA record updated"})"));
    QVERIFY(outcome);
    QCOMPARE(outcome->pfaId, u"PFA-12345"_s);
    QCOMPARE(outcome->newVersion, 4);
    QCOMPARE(outcome->updatedAt, utc(2025, 11, 28, 10, 30));
    QCOMPARE(outcome->updatedAt.timeSpec(), Qt::UTC);
    QVERIFY(!outcome->replayed);
    QVERIFY(!outcome->deleted);
    QCOMPARE(outcome->message, u"PFA record updated"_s);
}

void TestPemsJsonDialect::replayedHeader_data()
{
    QTest::addColumn<QByteArray>("name");
    QTest::addColumn<QByteArray>("value");
    QTest::addColumn<bool>("replayed");
    QTest::newRow("true") << QByteArray("Idempotent-Replayed") << QByteArray("true") << true;
    QTest::newRow("case-insensitive")
        << QByteArray("idempotent-replayed") << QByteArray(" TRUE ") << true;
    QTest::newRow("1") << QByteArray("Idempotent-Replayed") << QByteArray("1") << true;
    QTest::newRow("false") << QByteArray("Idempotent-Replayed") << QByteArray("false") << false;
    QTest::newRow("absent") << QByteArray("X-Other") << QByteArray("true") << false;
}

void TestPemsJsonDialect::replayedHeader()
{
    QFETCH(QByteArray, name);
    QFETCH(QByteArray, value);
    QFETCH(bool, replayed);
    const auto outcome = JsonDialect().parseUpdate(
        sampleUpdate(),
        response(200, R"({"success":true,"newVersion":4,"updatedAt":"2025-11-28T10:30:00Z"})",
                 {{name, value}}));
    QVERIFY(outcome);
    QCOMPARE(outcome->replayed, replayed);
    QCOMPARE(outcome->pfaId, u"PFA-12345"_s); // taken from the request when not echoed
}

void TestPemsJsonDialect::removeSuccess()
{
    const JsonDialect dialect;
    auto outcome = dialect.parseRemove(
        sampleRemove(),
        response(200,
                 R"({"success":true,"pfaId":"PFA-12345","newVersion":8,)"
                 R"("updatedAt":"2026-01-02T03:04:05.678Z","deleted":true,"message":"gone"})"));
    QVERIFY(outcome);
    QCOMPARE(outcome->newVersion, 8);
    QVERIFY(outcome->deleted);
    QCOMPARE(outcome->updatedAt, utc(2026, 1, 2, 3, 4, 5).addMSecs(678));

    // "deleted" is implied by a successful DELETE when PEMS leaves it out.
    outcome = dialect.parseRemove(
        sampleRemove(),
        response(200, R"({"success":true,"newVersion":8,"updatedAt":"2026-01-02T03:04:05Z"})"));
    QVERIFY(outcome);
    QVERIFY(outcome->deleted);
}

void TestPemsJsonDialect::successMalformed_data()
{
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<QString>("mentions");
    QTest::newRow("empty") << QByteArray() << u"empty body"_s;
    QTest::newRow("truncated") << QByteArray(R"({"success":true,"newVersion":4,"updat)")
                               << u"invalid JSON"_s;
    QTest::newRow("html") << QByteArray("<html><body>Bad gateway</body></html>")
                          << u"invalid JSON"_s;
    QTest::newRow("array") << QByteArray("[1,2]") << u"JSON object"_s;
    QTest::newRow("success false")
        << QByteArray(R"({"success":false,"newVersion":4,"updatedAt":"2025-11-28T10:30:00Z"})")
        << u"success"_s;
    QTest::newRow("no newVersion")
        << QByteArray(R"({"success":true,"updatedAt":"2025-11-28T10:30:00Z"})") << u"newVersion"_s;
    QTest::newRow("newVersion as text")
        << QByteArray(R"({"newVersion":"4","updatedAt":"2025-11-28T10:30:00Z"})")
        << u"newVersion"_s;
    QTest::newRow("newVersion fractional")
        << QByteArray(R"({"newVersion":4.5,"updatedAt":"2025-11-28T10:30:00Z"})")
        << u"newVersion"_s;
    QTest::newRow("newVersion too large")
        << QByteArray(R"({"newVersion":18446744073709551615,"updatedAt":"2025-11-28T10:30:00Z"})")
        << u"newVersion"_s;
    QTest::newRow("no updatedAt") << QByteArray(R"({"newVersion":4})") << u"updatedAt"_s;
    QTest::newRow("updatedAt without zone")
        << QByteArray(R"({"newVersion":4,"updatedAt":"2025-11-28T10:30:00"})") << u"updatedAt"_s;
    QTest::newRow("another record")
        << QByteArray(R"({"pfaId":"PFA-99","newVersion":4,"updatedAt":"2025-11-28T10:30:00Z"})")
        << u"PFA-99"_s;
    QTest::newRow("invalid UTF-8") << QByteArray("{\"message\":\"\xff\"}") << u"invalid JSON"_s;
}

void TestPemsJsonDialect::successMalformed()
{
    QFETCH(QByteArray, body);
    QFETCH(QString, mentions);
    const auto outcome = JsonDialect().parseUpdate(sampleUpdate(), response(200, body));
    const auto& transient = failureAs<Transient>(outcome);
    QCOMPARE(transient.cause, TransientCause::MalformedResponse);
    QCOMPARE(transient.httpStatus, 200);
    QVERIFY2(transient.message.contains(mentions), qPrintable(transient.message));
    QCOMPARE(failureClass(outcome.error()), model::FailureClass::Transient);
}

void TestPemsJsonDialect::versionConflict()
{
    const auto outcome = JsonDialect().parseUpdate(
        sampleUpdate(),
        response(409, R"({"success":false,"error":"VERSION_CONFLICT","currentVersion":5,)"
                      R"("expectedVersion":3,"conflictingFields":["forecastStart","forecastEnd",)"
                      R"("rentalZone"],"message":"Record has been modified by another user"})"));
    const auto& conflict = failureAs<VersionConflict>(outcome);
    QCOMPARE(conflict.currentVersion, 5);
    QCOMPARE(conflict.expectedVersion, 3);
    QCOMPARE(conflict.conflictingFields,
             (std::vector<PfaField>{PfaField::ForecastStart, PfaField::ForecastEnd}));
    QCOMPARE(conflict.unknownConflictingFields, QStringList{u"rentalZone"_s});
    QCOMPARE(conflict.message, u"Record has been modified by another user"_s);
    QCOMPARE(failureClass(outcome.error()), model::FailureClass::Conflict);
    QCOMPARE(httpStatusOf(outcome.error()), 409);
}

void TestPemsJsonDialect::versionConflictDefaults()
{
    // Only currentVersion is needed: expectedVersion falls back to the request's version, and a
    // missing or null conflictingFields is an empty list.
    for (const QByteArray& body :
         {QByteArray(R"({"currentVersion":9})"),
          QByteArray(R"({"currentVersion":9,"conflictingFields":null})")}) {
        const auto outcome = JsonDialect().parseRemove(sampleRemove(), response(409, body));
        const auto& conflict = failureAs<VersionConflict>(outcome);
        QCOMPARE(conflict.currentVersion, 9);
        QCOMPARE(conflict.expectedVersion, 7);
        QVERIFY(conflict.conflictingFields.empty());
        QVERIFY(conflict.unknownConflictingFields.isEmpty());
        QCOMPARE(conflict.message, u"HTTP 409"_s);
    }
}

void TestPemsJsonDialect::versionConflictMalformed_data()
{
    QTest::addColumn<QByteArray>("body");
    QTest::newRow("truncated") << QByteArray(R"({"error":"VERSION_CONFLICT","currentVer)");
    QTest::newRow("no currentVersion") << QByteArray(R"({"error":"VERSION_CONFLICT"})");
    QTest::newRow("fields not an array")
        << QByteArray(R"({"currentVersion":5,"conflictingFields":"forecastStart"})");
    QTest::newRow("fields not strings")
        << QByteArray(R"({"currentVersion":5,"conflictingFields":[1]})");
}

void TestPemsJsonDialect::versionConflictMalformed()
{
    QFETCH(QByteArray, body);
    const auto outcome = JsonDialect().parseUpdate(sampleUpdate(), response(409, body));
    const auto& transient = failureAs<Transient>(outcome);
    QCOMPARE(transient.cause, TransientCause::MalformedResponse);
    QCOMPARE(transient.httpStatus, 409);
}

void TestPemsJsonDialect::validationError()
{
    const auto outcome = JsonDialect().parseUpdate(
        sampleUpdate(),
        response(400, R"({"success":false,"error":"VALIDATION_ERROR","message":"2 fields invalid",)"
                      R"("fields":[{"field":"forecastEnd","rule":"after_start","message":"before )"
                      R"(forecastStart"},{"field":"colour","rule":"unknown_field","message":"?"},)"
                      R"("junk"]})"));
    const auto& permanent = failureAs<Permanent>(outcome);
    QCOMPARE(permanent.httpStatus, 400);
    QCOMPARE(permanent.errorCode, u"VALIDATION_ERROR"_s);
    QCOMPARE(permanent.message, u"2 fields invalid"_s);
    QCOMPARE(permanent.fieldErrors.size(), 2u);
    QCOMPARE(permanent.fieldErrors[0].field, u"forecastEnd"_s);
    QCOMPARE(permanent.fieldErrors[0].pfaField, PfaField::ForecastEnd);
    QCOMPARE(permanent.fieldErrors[0].rule, u"after_start"_s);
    QCOMPARE(permanent.fieldErrors[0].message, u"before forecastStart"_s);
    QCOMPARE(permanent.fieldErrors[1].field, u"colour"_s);
    QCOMPARE(permanent.fieldErrors[1].pfaField, std::nullopt);
    QCOMPARE(failureClass(outcome.error()), model::FailureClass::Validation);
    QCOMPARE(toError(outcome.error()).field, u"forecastEnd"_s);
}

void TestPemsJsonDialect::permanentStatuses_data()
{
    QTest::addColumn<int>("status");
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<QString>("errorCode");
    QTest::addColumn<QString>("message");
    QTest::newRow("404") << 404
                         << QByteArray(
                                R"({"success":false,"error":"NOT_FOUND","message":"no PFA-1"})")
                         << u"NOT_FOUND"_s << u"no PFA-1"_s;
    QTest::newRow("422") << 422 << QByteArray(R"({"error":"UNPROCESSABLE","message":"locked"})")
                         << u"UNPROCESSABLE"_s << u"locked"_s;
    QTest::newRow("410 without body") << 410 << QByteArray() << QString() << u"HTTP 410"_s;
    QTest::newRow("error code only")
        << 400 << QByteArray(R"({"error":"BAD_REQUEST"})") << u"BAD_REQUEST"_s << u"BAD_REQUEST"_s;
}

void TestPemsJsonDialect::permanentStatuses()
{
    QFETCH(int, status);
    QFETCH(QByteArray, body);
    QFETCH(QString, errorCode);
    QFETCH(QString, message);
    const auto outcome = JsonDialect().parseUpdate(sampleUpdate(), response(status, body));
    const auto& permanent = failureAs<Permanent>(outcome);
    QCOMPARE(permanent.httpStatus, status);
    QCOMPARE(permanent.errorCode, errorCode);
    QCOMPARE(permanent.message, message);
    QCOMPARE(isNotFound(outcome.error()), status == 404);
    QCOMPARE(failureClass(outcome.error()), model::FailureClass::Validation);
}

void TestPemsJsonDialect::permanentWithoutJsonBody()
{
    // A proxy's HTML page: still permanent (the status says so), the message shows the page.
    const auto outcome = JsonDialect().parseUpdate(
        sampleUpdate(), response(404, "<html>\n<h1>Not Found</h1>\n<p>nginx</p></html>"));
    const auto& permanent = failureAs<Permanent>(outcome);
    QCOMPARE(permanent.httpStatus, 404);
    QCOMPARE(permanent.message, u"HTTP 404: <html> <h1>Not Found</h1> <p>nginx</p></html>"_s);

    const auto big =
        JsonDialect().parseUpdate(sampleUpdate(), response(400, QByteArray(5000, 'x')));
    QVERIFY(failureAs<Permanent>(big).message.size() < 220);
}

void TestPemsJsonDialect::unauthorized_data()
{
    QTest::addColumn<int>("status");
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<QString>("message");
    QTest::addColumn<ErrorCode>("code");
    QTest::newRow("401") << 401
                         << QByteArray(
                                R"({"success":false,"error":"UNAUTHORIZED","message":"bad key"})")
                         << u"bad key"_s << ErrorCode::Unauthorized;
    QTest::newRow("403") << 403
                         << QByteArray(
                                R"({"success":false,"error":"FORBIDDEN","message":"not HOU"})")
                         << u"not HOU"_s << ErrorCode::Forbidden;
    QTest::newRow("401 without body")
        << 401 << QByteArray() << u"HTTP 401"_s << ErrorCode::Unauthorized;
}

void TestPemsJsonDialect::unauthorized()
{
    QFETCH(int, status);
    QFETCH(QByteArray, body);
    QFETCH(QString, message);
    QFETCH(ErrorCode, code);
    const JsonDialect dialect;
    for (const auto& outcome : {dialect.parseUpdate(sampleUpdate(), response(status, body)),
                                dialect.parseRemove(sampleRemove(), response(status, body))}) {
        const auto& unauthorized = failureAs<Unauthorized>(outcome);
        QCOMPARE(unauthorized.httpStatus, status);
        QCOMPARE(unauthorized.message, message);
        QCOMPARE(failureClass(outcome.error()), model::FailureClass::Auth);
        QCOMPARE(toError(outcome.error()).code, code);
    }
    const auto read = dialect.parseGet(SampleKey, response(status, body));
    QCOMPARE(failureAs<Unauthorized>(read).httpStatus, status);
}

void TestPemsJsonDialect::rateLimited_data()
{
    QTest::addColumn<Headers>("headers");
    QTest::addColumn<qint64>("expectedMs");
    QTest::addColumn<bool>("fromServer");
    QTest::newRow("seconds") << Headers{{"Retry-After", "7"}} << qint64(7000) << true;
    QTest::newRow("zero seconds") << Headers{{"retry-after", "0"}} << qint64(0) << true;
    // Measured against the response's own Date header when it has one...
    QTest::newRow("date with Date header")
        << Headers{{"Date", "Sun, 01 Mar 2026 11:00:00 GMT"},
                   {"Retry-After", "Sun, 01 Mar 2026 11:00:03 GMT"}}
        << qint64(3000) << true;
    // ... else against the time the response was received (ReceivedAt = 12:00:00).
    QTest::newRow("date without Date header")
        << Headers{{"Retry-After", "Sun, 01 Mar 2026 12:00:05 GMT"}} << qint64(5000) << true;
    QTest::newRow("date in the past")
        << Headers{{"Retry-After", "Sun, 01 Mar 2026 11:59:00 GMT"}} << qint64(0) << true;
    QTest::newRow("missing") << Headers{} << qint64(1000) << false;
    QTest::newRow("unreadable") << Headers{{"Retry-After", "soon"}} << qint64(1000) << false;
    QTest::newRow("absurdly long")
        << Headers{{"Retry-After", "99999999999"}} << qint64(3600000) << true;
}

void TestPemsJsonDialect::rateLimited()
{
    QFETCH(Headers, headers);
    QFETCH(qint64, expectedMs);
    QFETCH(bool, fromServer);
    const auto outcome = JsonDialect().parseUpdate(
        sampleUpdate(),
        response(429, R"({"success":false,"error":"RATE_LIMITED","message":"slow down"})",
                 headers));
    const auto& limited = failureAs<RateLimited>(outcome);
    QCOMPARE(limited.retryAfter.count(), expectedMs);
    QCOMPARE(limited.retryAfterFromServer, fromServer);
    QCOMPARE(limited.message, u"slow down"_s);
    QCOMPARE(failureClass(outcome.error()), model::FailureClass::RateLimit);

    const auto read = JsonDialect().parseList(ListQuery{u"RIO"_s}, response(429, {}, headers));
    QCOMPARE(failureAs<RateLimited>(read).retryAfter.count(), expectedMs);
}

void TestPemsJsonDialect::serverErrors_data()
{
    QTest::addColumn<int>("status");
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<QString>("message");
    QTest::newRow("500") << 500
                         << QByteArray(R"({"success":false,"error":"INTERNAL","message":"boom"})")
                         << u"boom"_s;
    QTest::newRow("502 html") << 502 << QByteArray("<h1>Bad Gateway</h1>")
                              << u"HTTP 502: <h1>Bad Gateway</h1>"_s;
    QTest::newRow("503 empty") << 503 << QByteArray() << u"HTTP 503"_s;
    QTest::newRow("504 truncated") << 504 << QByteArray(R"({"message":"upstream ti)")
                                   << u"HTTP 504: {\"message\":\"upstream ti"_s;
    QTest::newRow("408") << 408 << QByteArray(R"({"message":"request timeout"})")
                         << u"request timeout"_s;
}

void TestPemsJsonDialect::serverErrors()
{
    QFETCH(int, status);
    QFETCH(QByteArray, body);
    QFETCH(QString, message);
    const JsonDialect dialect;
    const auto write = dialect.parseUpdate(sampleUpdate(), response(status, body));
    const auto& transient = failureAs<Transient>(write);
    QCOMPARE(transient.cause, TransientCause::ServerError);
    QCOMPARE(transient.httpStatus, status);
    QCOMPARE(transient.message, message);
    QCOMPARE(transient.retryAfter, std::nullopt);
    QCOMPARE(failureClass(write.error()), model::FailureClass::Transient);

    QCOMPARE(failureAs<Transient>(dialect.parseGet(SampleKey, response(status, body))).httpStatus,
             status);
    QCOMPARE(failureAs<Transient>(dialect.parseList(ListQuery{u"RIO"_s}, response(status, body)))
                 .httpStatus,
             status);
}

void TestPemsJsonDialect::serverErrorWithRetryAfter()
{
    const auto outcome =
        JsonDialect().parseUpdate(sampleUpdate(), response(503, "{}", {{"Retry-After", "12"}}));
    const auto& transient = failureAs<Transient>(outcome);
    QCOMPARE(transient.retryAfter, std::chrono::milliseconds(12000));
}

void TestPemsJsonDialect::redirectIsPermanent()
{
    const auto outcome = JsonDialect().parseUpdate(
        sampleUpdate(), response(301, {}, {{"Location", "https://other.example.com/api"}}));
    const auto& permanent = failureAs<Permanent>(outcome);
    QCOMPARE(permanent.httpStatus, 301);
    QVERIFY(permanent.message.contains(u"https://other.example.com/api"_s));
    QVERIFY(permanent.message.contains(u"base URL"_s));
}

void TestPemsJsonDialect::unexpectedStatus()
{
    const auto outcome = JsonDialect().parseUpdate(sampleUpdate(), response(600, "{}"));
    QCOMPARE(failureAs<Transient>(outcome).cause, TransientCause::MalformedResponse);
}

void TestPemsJsonDialect::failureClasses()
{
    using model::FailureClass;
    QCOMPARE(failureClass(VersionConflict{}), FailureClass::Conflict);
    QCOMPARE(failureClass(RateLimited{}), FailureClass::RateLimit);
    QCOMPARE(failureClass(Unauthorized{}), FailureClass::Auth);
    QCOMPARE(failureClass(Permanent{}), FailureClass::Validation);
    QCOMPARE(failureClass(NeedsConfirmation{}), FailureClass::NeedsConfirmation);
    QCOMPARE(failureClass(Transient{}), FailureClass::Transient);

    QCOMPARE(kindName(NeedsConfirmation{}), u"needs_confirmation"_s);
    QCOMPARE(describe(Transient{TransientCause::Timeout, std::nullopt, std::nullopt, u"slow"_s}),
             u"transient/timeout: slow"_s);
    QCOMPARE(describe(Unauthorized{403, u"not yours"_s}), u"unauthorized (HTTP 403): not yours"_s);
}

void TestPemsJsonDialect::toErrorMapping()
{
    Error error = toError(Permanent{404, u"NOT_FOUND"_s, u"gone"_s, {}});
    QCOMPARE(error.code, ErrorCode::NotFound);
    QCOMPARE(error.detail, u"404"_s);
    QCOMPARE(error.message, u"permanent (HTTP 404): gone"_s);

    error = toError(Transient{TransientCause::ConnectionRefused, std::nullopt, std::nullopt, {}});
    QCOMPARE(error.code, ErrorCode::Io);
    QVERIFY(error.detail.isEmpty());

    QCOMPARE(toError(VersionConflict{}).code, ErrorCode::Conflict);
    QCOMPARE(toError(VersionConflict{}).detail, u"409"_s);
    QCOMPARE(toError(RateLimited{}).detail, u"429"_s);
    QCOMPARE(toError(Permanent{std::nullopt, {}, u"bad"_s, {}}).code, ErrorCode::InvalidInput);
}

void TestPemsJsonDialect::getRecord()
{
    const auto outcome = JsonDialect().parseGet(SampleKey, response(200, RecordJson));
    QVERIFY2(outcome, qPrintable(outcome ? QString() : describe(outcome.error())));
    QCOMPARE(outcome->pfaId, u"PFA-12345"_s);
    QCOMPARE(outcome->organizationCode, u"RIO"_s);
    QCOMPARE(outcome->version, 4);
    QCOMPARE(outcome->updatedAt, utc(2026, 2, 1, 8, 30));
    QVERIFY(!outcome->deleted);
    QCOMPARE(outcome->data.size(), 7u);
    QCOMPARE(model::valueOf(outcome->data, PfaField::MonthlyRate),
             model::FieldValue(model::Money::parse(u"1234.50").value()));
    QCOMPARE(model::valueOf(outcome->data, PfaField::ForecastStart),
             model::FieldValue(utc(2026, 3, 1)));
    QCOMPARE(model::valueOf(outcome->data, PfaField::IsDiscontinued), model::FieldValue(false));
    QCOMPARE(model::valueOf(outcome->data, PfaField::Description), model::FieldValue(u"Crane"_s));
    QVERIFY(outcome->unknownFields.isEmpty());
}

void TestPemsJsonDialect::getRecordUnknownFields()
{
    // A field PEMS has and we do not is dropped and named, instead of failing the read.
    const auto outcome = JsonDialect().parseGet(
        SampleKey, response(200, R"({"pfaId":"PFA-12345","organizationCode":"RIO","version":2,)"
                                 R"("updatedAt":"2026-02-01T08:30:00Z","extra":1,)"
                                 R"("data":{"category":"Cranes","rentalZone":"north"}})"));
    QVERIFY(outcome);
    QCOMPARE(outcome->data.size(), 1u);
    QCOMPARE(outcome->unknownFields, QStringList{u"rentalZone"_s});
}

void TestPemsJsonDialect::getTombstone()
{
    for (const QByteArray& data : {QByteArray("null"), QByteArray("{}")}) {
        const auto outcome = JsonDialect().parseGet(
            SampleKey,
            response(200, R"({"pfaId":"PFA-12345","organizationCode":"RIO","version":9,)"
                          R"("updatedAt":"2026-02-01T08:30:00Z","deleted":true,"data":)" +
                              data + "}"));
        QVERIFY(outcome);
        QVERIFY(outcome->deleted);
        QVERIFY(outcome->data.empty());
    }
}

void TestPemsJsonDialect::getMalformed_data()
{
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<QString>("mentions");
    QTest::newRow("truncated") << RecordJson.left(RecordJson.size() / 2) << u"invalid JSON"_s;
    QTest::newRow("no version")
        << QByteArray(
               R"({"pfaId":"PFA-12345","organizationCode":"RIO","updatedAt":"2026-02-01T08:30:00Z"})")
        << u"version"_s;
    QTest::newRow("no organization")
        << QByteArray(R"({"pfaId":"PFA-12345","version":1,"updatedAt":"2026-02-01T08:30:00Z"})")
        << u"organizationCode"_s;
    QTest::newRow("wrongly typed field")
        << QByteArray(R"({"pfaId":"PFA-12345","organizationCode":"RIO","version":1,)"
                      R"("updatedAt":"2026-02-01T08:30:00Z","data":{"monthlyRate":true}})")
        << u"data.monthlyRate"_s;
    QTest::newRow("data not an object")
        << QByteArray(R"({"pfaId":"PFA-12345","organizationCode":"RIO","version":1,)"
                      R"("updatedAt":"2026-02-01T08:30:00Z","data":[]})")
        << u"data"_s;
    QTest::newRow("deleted not a boolean")
        << QByteArray(R"({"pfaId":"PFA-12345","organizationCode":"RIO","version":1,)"
                      R"("updatedAt":"2026-02-01T08:30:00Z","deleted":"no"})")
        << u"deleted"_s;
    QTest::newRow("another record")
        << QByteArray(R"({"pfaId":"PFA-1","organizationCode":"RIO","version":1,)"
                      R"("updatedAt":"2026-02-01T08:30:00Z"})")
        << u"PFA-1,"_s;
}

void TestPemsJsonDialect::getMalformed()
{
    QFETCH(QByteArray, body);
    QFETCH(QString, mentions);
    const auto outcome = JsonDialect().parseGet(SampleKey, response(200, body));
    const auto& transient = failureAs<Transient>(outcome);
    QCOMPARE(transient.cause, TransientCause::MalformedResponse);
    QVERIFY2(transient.message.contains(mentions), qPrintable(transient.message));
}

void TestPemsJsonDialect::getNotFound()
{
    const auto outcome = JsonDialect().parseGet(
        SampleKey, response(404, R"({"success":false,"error":"NOT_FOUND","message":"unknown"})"));
    QVERIFY(!outcome);
    QVERIFY(isNotFound(outcome.error()));
    QCOMPARE(toError(outcome.error()).code, ErrorCode::NotFound);
}

void TestPemsJsonDialect::listPage()
{
    const QByteArray body = R"({"records":[)" + RecordJson +
                            R"(,{"pfaId":"PFA-2","organizationCode":"RIO","version":3,)"
                            R"("updatedAt":"2026-02-02T00:00:00Z","deleted":true,"data":null}],)"
                            R"("nextCursor":"eyJpZCI6Mn0="})";
    const auto outcome = JsonDialect().parseList(ListQuery{u"RIO"_s}, response(200, body));
    QVERIFY2(outcome, qPrintable(outcome ? QString() : describe(outcome.error())));
    QCOMPARE(outcome->records.size(), 2u);
    QCOMPARE(outcome->records[0].pfaId, u"PFA-12345"_s);
    QCOMPARE(outcome->records[0].data.size(), 7u);
    QCOMPARE(outcome->records[1].pfaId, u"PFA-2"_s);
    QVERIFY(outcome->records[1].deleted);
    QCOMPARE(outcome->nextCursor, u"eyJpZCI6Mn0="_s);
}

void TestPemsJsonDialect::listLastPage_data()
{
    QTest::addColumn<QByteArray>("body");
    QTest::newRow("null cursor") << QByteArray(R"({"records":[],"nextCursor":null})");
    QTest::newRow("no cursor") << QByteArray(R"({"records":[]})");
    QTest::newRow("empty cursor") << QByteArray(R"({"records":[],"nextCursor":""})");
}

void TestPemsJsonDialect::listLastPage()
{
    QFETCH(QByteArray, body);
    const auto outcome = JsonDialect().parseList(ListQuery{u"RIO"_s}, response(200, body));
    QVERIFY(outcome);
    QVERIFY(outcome->records.empty());
    QCOMPARE(outcome->nextCursor, std::nullopt);
}

void TestPemsJsonDialect::listMalformed_data()
{
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<QString>("mentions");
    QTest::newRow("truncated") << QByteArray(R"({"records":[{"pfaId":"PFA-1")")
                               << u"invalid JSON"_s;
    QTest::newRow("no records") << QByteArray(R"({"nextCursor":null})") << u"records"_s;
    QTest::newRow("records not an array") << QByteArray(R"({"records":{}})") << u"records"_s;
    QTest::newRow("bad record")
        << QByteArray(R"({"records":[)" + RecordJson +
                      R"(,{"pfaId":"PFA-2","organizationCode":"RIO","version":"x"}]})")
        << u"records[1] (PFA-2): version"_s;
    QTest::newRow("cursor not a string")
        << QByteArray(R"({"records":[],"nextCursor":5})") << u"nextCursor"_s;
}

void TestPemsJsonDialect::listMalformed()
{
    QFETCH(QByteArray, body);
    QFETCH(QString, mentions);
    const auto outcome = JsonDialect().parseList(ListQuery{u"RIO"_s}, response(200, body));
    const auto& transient = failureAs<Transient>(outcome);
    QCOMPARE(transient.cause, TransientCause::MalformedResponse);
    QVERIFY2(transient.message.contains(mentions), qPrintable(transient.message));
}

void TestPemsJsonDialect::health_data()
{
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<bool>("healthy");
    QTest::addColumn<QString>("status");
    QTest::newRow("ok") << QByteArray(R"({"status":"ok","records":1000,"uptime":5})") << true
                        << u"ok"_s;
    QTest::newRow("degraded") << QByteArray(R"({"status":"degraded"})") << false << u"degraded"_s;
}

void TestPemsJsonDialect::health()
{
    QFETCH(QByteArray, body);
    QFETCH(bool, healthy);
    QFETCH(QString, status);
    const auto outcome = JsonDialect().parseHealth(response(200, body));
    QVERIFY(outcome);
    QCOMPARE(outcome->healthy, healthy);
    QCOMPARE(outcome->status, status);
    QCOMPARE(outcome->httpStatus, 200);
}

void TestPemsJsonDialect::healthMalformed()
{
    const JsonDialect dialect;
    QCOMPARE(failureAs<Transient>(dialect.parseHealth(response(200, "<html>ok</html>"))).cause,
             TransientCause::MalformedResponse);
    QCOMPARE(failureAs<Transient>(dialect.parseHealth(response(200, R"({"up":true})"))).cause,
             TransientCause::MalformedResponse);
    QCOMPARE(failureAs<Transient>(dialect.parseHealth(response(503, "{}"))).cause,
             TransientCause::ServerError);
}

QTEST_APPLESS_MAIN(TestPemsJsonDialect)
#include "tst_pemsjsondialect.moc"
