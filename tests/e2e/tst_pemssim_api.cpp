// pems-sim's PEMS API through real HTTP: versions and history, conflicts, validation, 404,
// authentication, tombstones, list paging, idempotency, admin edits and statistics.
#include "SimTestCase.h"

#include "model/IsoDateTime.h"

#include <QNetworkAccessManager>
#include <QNetworkProxy>
#include <QNetworkReply>
#include <QSet>

#include <algorithm>
#include <memory>
#include <vector>

using namespace Qt::StringLiterals;
using pfa::test::HttpResult;
using pfa::test::SimHttp;
using Json = nlohmann::json;

namespace {

const QString Rio = u"RIO"_s;
const QString Hou = u"HOU"_s;
const QString First = u"PFA-10001"_s;

QString qs(const Json& json)
{
    return json.is_string() ? QString::fromStdString(json.get<std::string>()) : QString();
}

QStringList strings(const Json& array)
{
    QStringList out;
    for (const Json& item : array)
        out.append(qs(item));
    return out;
}

qint64 isoMs(const Json& json)
{
    const auto at = pfa::model::parseIsoDateTime(qs(json));
    return at ? at->toMSecsSinceEpoch() : -1;
}

} // namespace

class TestPemsSimApi final : public pfa::test::SimTestCase
{
    Q_OBJECT

private Q_SLOTS:
    void cleanup() { stopSim(); }

    void healthNeedsNoKey();
    void getReturnsGeneratedRecord();
    void putTwiceKeepsVersionsAndHistory();
    void stalePutGetsConflictingFieldsChangedSince();
    void invalidPutNamesTheField_data();
    void invalidPutNamesTheField();
    void unknownRecordIsNotFound();
    void missingOrUnknownKeyIsUnauthorized();
    void keyLimitedToOrganizationsIsForbiddenElsewhere();
    void deleteLeavesTombstone();
    void listPagesWithStableCursor();
    void listUpdatedSinceReturnsChangesAndTombstones();
    void listRejectsBadParameters_data();
    void listRejectsBadParameters();
    void repeatedIdempotencyKeyReplaysFirstAnswer();
    void repeatedIdempotencyKeyReplaysConflict();
    void concurrentRetriesApplyOnce();
    void replayIsForbiddenToOtherOrganizations();
    void repeatedIdempotencyKeyReplaysDelete();
    void adminCreatesEditsAndDeletesRecords();
    void statsCountPerRouteAndStatus();
};

void TestPemsSimApi::healthNeedsNoKey()
{
    START_SIM({});
    const HttpResult result =
        http().send("GET", u"/api/pems/health"_s, std::nullopt, {.sendKey = false});
    QCOMPARE_STATUS(result, 200);
    QCOMPARE(result.header("Content-Type"), QByteArray("application/json"));
    QCOMPARE(result.json.at("status"), "ok");
    QCOMPARE(result.json.at("service"), "pems-sim");
    QVERIFY(!qs(result.json.at("version")).isEmpty());
    QVERIFY(isoMs(result.json.at("time")) > 0);
}

void TestPemsSimApi::getReturnsGeneratedRecord()
{
    START_SIM({u"--generate"_s, u"3"_s, u"--orgs"_s, u"RIO,HOU"_s});
    const HttpResult rio = http().get(Rio, First);
    QCOMPARE_STATUS(rio, 200);
    QCOMPARE(rio.json.at("pfaId"), "PFA-10001");
    QCOMPARE(rio.json.at("organizationCode"), "RIO");
    QCOMPARE(rio.json.at("version"), 1);
    QCOMPARE(rio.json.at("deleted"), false);
    QVERIFY(isoMs(rio.json.at("updatedAt")) > 0);
    const Json& data = rio.json.at("data");
    QCOMPARE(data.size(), std::size_t{22}); // every catalog field, null when unset
    QCOMPARE(data.at("pfaId"), "PFA-10001");
    QCOMPARE(data.at("equipmentId"), "EQ-RIO-010001");
    QVERIFY(data.at("source") == "Rental" || data.at("source") == "Purchase");

    QCOMPARE_STATUS(http().get(Hou, u"PFA-10003"_s), 200);
    QCOMPARE_STATUS(http().get(Hou, u"PFA-10004"_s), 404);
}

void TestPemsSimApi::putTwiceKeepsVersionsAndHistory()
{
    START_SIM({u"--generate"_s, u"2"_s});
    const HttpResult first = http().update(Rio, First, 1, {{"description", "Crane, first edit"}});
    QCOMPARE_STATUS(first, 200);
    QCOMPARE(first.json.at("success"), true);
    QCOMPARE(first.json.at("pfaId"), "PFA-10001");
    QCOMPARE(first.json.at("newVersion"), 2);
    QVERIFY(!qs(first.json.at("message")).isEmpty());

    const HttpResult second = http().update(
        Rio, First, 2,
        {{"description", "Crane, second edit"}, {"forecastEnd", "2031-06-30T00:00:00Z"}});
    QCOMPARE_STATUS(second, 200);
    QCOMPARE(second.json.at("newVersion"), 3);
    QVERIFY(isoMs(second.json.at("updatedAt")) >= isoMs(first.json.at("updatedAt")));

    const HttpResult now = http().get(Rio, First);
    QCOMPARE_STATUS(now, 200);
    QCOMPARE(now.json.at("version"), 3);
    QCOMPARE(now.json.at("updatedAt"), second.json.at("updatedAt"));
    QCOMPARE(now.json.at("data").at("description"), "Crane, second edit");
    QCOMPARE(now.json.at("data").at("forecastEnd"), "2031-06-30T00:00:00.000Z");

    const auto record = sim().record(Rio, First);
    QVERIFY_OK(record);
    const Json& history = record->at("history");
    QCOMPARE(history.size(), std::size_t{3});
    QCOMPARE(history[0].at("version"), 1);
    QCOMPARE(history[0].at("source"), "seed");
    QCOMPARE(history[1].at("version"), 2);
    QCOMPARE(history[1].at("source"), "api");
    QCOMPARE(history[1].at("modifiedBy"), "e2e");
    QCOMPARE(history[1].at("changes"), Json({{"description", "Crane, first edit"}}));
    QCOMPARE(history[2].at("changes"), Json({{"description", "Crane, second edit"},
                                             {"forecastEnd", "2031-06-30T00:00:00.000Z"}}));
}

void TestPemsSimApi::stalePutGetsConflictingFieldsChangedSince()
{
    START_SIM({u"--generate"_s, u"1"_s});
    // PEMS users change the record twice while our client still holds version 1.
    const auto v2 = sim().editRecord(Rio, First, {{"description", "changed in PEMS"}});
    QVERIFY_OK(v2);
    QCOMPARE(*v2, 2);
    const HttpResult stale =
        http().update(Rio, First, 1, {{"forecastEnd", "2031-01-31T00:00:00Z"}});
    QCOMPARE_STATUS(stale, 409);
    QCOMPARE(stale.json.at("success"), false);
    QCOMPARE(stale.json.at("error"), "VERSION_CONFLICT");
    QCOMPARE(stale.json.at("currentVersion"), 2);
    QCOMPARE(stale.json.at("expectedVersion"), 1);
    QCOMPARE(strings(stale.json.at("conflictingFields")), QStringList{u"description"_s});

    const auto v3 = sim().editRecord(Rio, First, {{"isDiscontinued", true}, {"model", "X9"}});
    QVERIFY_OK(v3);
    const HttpResult staler = http().update(Rio, First, 1, {{"description", "ours"}});
    QCOMPARE_STATUS(staler, 409);
    QCOMPARE(staler.json.at("currentVersion"), 3);
    // Every field changed in any version after the expected one, in catalog order.
    QCOMPARE(strings(staler.json.at("conflictingFields")),
             (QStringList{u"isDiscontinued"_s, u"model"_s, u"description"_s}));
    const HttpResult lessStale = http().update(Rio, First, 2, {{"description", "ours"}});
    QCOMPARE_STATUS(lessStale, 409);
    QCOMPARE(strings(lessStale.json.at("conflictingFields")),
             (QStringList{u"isDiscontinued"_s, u"model"_s}));

    // Nothing of the stale writes was applied; the current version goes through.
    QCOMPARE(http().get(Rio, First).json.at("data").at("description"), "changed in PEMS");
    QCOMPARE_STATUS(http().update(Rio, First, 3, {{"description", "ours"}}), 200);
}

void TestPemsSimApi::invalidPutNamesTheField_data()
{
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<QString>("field");
    QTest::addColumn<QString>("rule");

    const auto put = [](const Json& changes, qint64 version = 1) {
        return QByteArray::fromStdString(Json({{"pfaId", "PFA-10001"},
                                               {"organizationCode", "RIO"},
                                               {"version", version},
                                               {"changes", changes}})
                                             .dump());
    };
    QTest::newRow("unknown field") << put({{"colour", "red"}}) << u"colour"_s << u"unknownField"_s;
    QTest::newRow("wrong type") << put({{"monthlyRate", true}}) << u"monthlyRate"_s << u"type"_s;
    QTest::newRow("not a date") << put({{"forecastStart", "tomorrow"}}) << u"forecastStart"_s
                                << u"type"_s;
    QTest::newRow("end before start")
        << put({{"forecastStart", "2030-01-01T00:00:00Z"}, {"forecastEnd", "2029-01-01T00:00:00Z"}})
        << u"forecastEnd"_s << u"dateOrder"_s;
    QTest::newRow("not in the enum") << put({{"source", "Lease"}}) << u"source"_s << u"enum"_s;
    QTest::newRow("key changed") << put({{"organizationCode", "HOU"}}) << u"organizationCode"_s
                                 << u"immutable"_s;
    QTest::newRow("too long") << put({{"description", std::string(4001, 'x')}}) << u"description"_s
                              << u"maxLength"_s;
    QTest::newRow("no version") << QByteArray(
                                       R"({"organizationCode":"RIO","changes":{"model":"X"}})")
                                << u"version"_s << u"required"_s;
    QTest::newRow("version as text")
        << QByteArray(R"({"organizationCode":"RIO","version":"1","changes":{"model":"X"}})")
        << u"version"_s << u"type"_s;
    QTest::newRow("pfaId differs from path")
        << QByteArray(
               R"({"pfaId":"PFA-2","organizationCode":"RIO","version":1,"changes":{"model":"X"}})")
        << u"pfaId"_s << u"mismatch"_s;
    QTest::newRow("no changes") << QByteArray(R"({"organizationCode":"RIO","version":1})")
                                << u"changes"_s << u"required"_s;
    QTest::newRow("empty changes") << put(Json::object()) << u"changes"_s << u"required"_s;
    QTest::newRow("not JSON") << QByteArray("{\"organizationCode\": ") << u"body"_s << u"json"_s;
    QTest::newRow("no organization") << QByteArray(R"({"version":1,"changes":{"model":"X"}})")
                                     << u"organizationCode"_s << u"required"_s;
}

void TestPemsSimApi::invalidPutNamesTheField()
{
    QFETCH(QByteArray, body);
    QFETCH(QString, field);
    QFETCH(QString, rule);
    START_SIM({u"--generate"_s, u"1"_s});

    const HttpResult result = http().send("PUT", u"/api/pems/pfa/PFA-10001"_s, body);
    QCOMPARE_STATUS(result, 400);
    QCOMPARE(result.json.at("success"), false);
    QCOMPARE(result.json.at("error"), "VALIDATION_ERROR");
    QVERIFY(!qs(result.json.at("message")).isEmpty());
    const Json& fields = result.json.at("fields");
    QVERIFY2(!fields.empty(), result.body.constData());
    QCOMPARE(qs(fields[0].at("field")), field);
    QCOMPARE(qs(fields[0].at("rule")), rule);
    QVERIFY(!qs(fields[0].at("message")).isEmpty());

    QCOMPARE(http().get(Rio, First).json.at("version"), 1); // nothing applied
}

void TestPemsSimApi::unknownRecordIsNotFound()
{
    START_SIM({u"--generate"_s, u"1"_s});
    for (const HttpResult& result :
         {http().get(Rio, u"PFA-99999"_s), http().update(Rio, u"PFA-99999"_s, 1, {{"model", "X"}}),
          http().remove(Rio, u"PFA-99999"_s, 1), http().get(Hou, First),
          http().update(Hou, First, 1, {{"model", "X"}})}) {
        QCOMPARE_STATUS(result, 404);
        QCOMPARE(result.json.at("success"), false);
        QCOMPARE(result.json.at("error"), "NOT_FOUND");
        QVERIFY(!qs(result.json.at("message")).isEmpty());
    }
    QCOMPARE_STATUS(http().send("GET", u"/api/pems/nothing-here"_s), 404);
}

void TestPemsSimApi::missingOrUnknownKeyIsUnauthorized()
{
    START_SIM({u"--generate"_s, u"1"_s});
    const SimHttp::Options noKey{.sendKey = false};
    for (const HttpResult& result :
         {http().get(Rio, First, noKey), http().update(Rio, First, 1, {{"model", "X"}}, noKey),
          http().remove(Rio, First, 1, noKey), http().list(u"organizationCode=RIO"_s, noKey)}) {
        QCOMPARE_STATUS(result, 401);
        QCOMPARE(result.json.at("success"), false);
        QCOMPARE(result.json.at("error"), "UNAUTHORIZED");
        QVERIFY(!qs(result.json.at("message")).isEmpty());
    }

    http().setApiKey("not-the-key");
    QCOMPARE_STATUS(http().get(Rio, First), 401);
    http().setUseBearer(true);
    QCOMPARE_STATUS(http().get(Rio, First), 401);
    http().setApiKey(pfa::test::PemsSimProcess::defaultApiKey());
    QCOMPARE_STATUS(http().get(Rio, First), 200); // Authorization: Bearer sim-key
    http().setUseBearer(false);
    QCOMPARE_STATUS(http().get(Rio, First), 200);           // X-Api-Key: sim-key
    QCOMPARE(http().get(Rio, First).json.at("version"), 1); // the 401s changed nothing
}

void TestPemsSimApi::keyLimitedToOrganizationsIsForbiddenElsewhere()
{
    START_SIM({u"--generate"_s, u"1"_s, u"--orgs"_s, u"RIO,HOU"_s, u"--api-key"_s, u"all-key"_s,
               u"--api-key"_s, u"hou-key=HOU"_s});
    http().setApiKey("hou-key");
    for (const HttpResult& result :
         {http().get(Rio, First), http().update(Rio, First, 1, {{"model", "X"}}),
          http().remove(Rio, First, 1), http().list(u"organizationCode=RIO"_s)}) {
        QCOMPARE_STATUS(result, 403);
        QCOMPARE(result.json.at("success"), false);
        QCOMPARE(result.json.at("error"), "FORBIDDEN");
    }
    QCOMPARE_STATUS(http().get(Hou, First), 200);
    QCOMPARE_STATUS(http().update(Hou, First, 1, {{"model", "X"}}), 200);

    http().setApiKey("all-key");
    QCOMPARE_STATUS(http().get(Rio, First), 200);
    QCOMPARE(http().get(Rio, First).json.at("version"), 1);
    http().setApiKey(pfa::test::PemsSimProcess::defaultApiKey()); // not configured this time
    QCOMPARE_STATUS(http().get(Rio, First), 401);
}

void TestPemsSimApi::deleteLeavesTombstone()
{
    START_SIM({u"--generate"_s, u"2"_s});
    const HttpResult deleted = http().remove(Rio, First, 1);
    QCOMPARE_STATUS(deleted, 200);
    QCOMPARE(deleted.json.at("success"), true);
    QCOMPARE(deleted.json.at("deleted"), true);
    QCOMPARE(deleted.json.at("newVersion"), 2);
    QVERIFY(isoMs(deleted.json.at("updatedAt")) > 0);

    QCOMPARE_STATUS(http().get(Rio, First), 404);
    QCOMPARE_STATUS(http().update(Rio, First, 2, {{"model", "X"}}), 404);
    QCOMPARE_STATUS(http().remove(Rio, First, 2), 404);

    const HttpResult stale = http().remove(Rio, u"PFA-10002"_s, 5);
    QCOMPARE_STATUS(stale, 409);
    QCOMPARE(stale.json.at("error"), "VERSION_CONFLICT");
    QCOMPARE(stale.json.at("currentVersion"), 1);
    QCOMPARE(stale.json.at("expectedVersion"), 5);

    const auto tombstone = sim().record(Rio, First);
    QVERIFY_OK(tombstone);
    QCOMPARE(tombstone->at("deleted"), true);
    QCOMPARE(tombstone->at("version"), 2);
    QCOMPARE(tombstone->at("history").back().at("deleted"), true);
}

void TestPemsSimApi::listPagesWithStableCursor()
{
    START_SIM({u"--generate"_s, u"25"_s});
    QStringList seen;
    QString cursor;
    int pages = 0;
    bool editedFirstPage = false;
    QString editedId;
    QString movedAheadId;
    for (;;) {
        const HttpResult page = http().list(
            u"organizationCode=RIO&limit=10"_s +
            (cursor.isEmpty()
                 ? QString()
                 : u"&cursor="_s + QString::fromLatin1(QUrl::toPercentEncoding(cursor))));
        QCOMPARE_STATUS(page, 200);
        ++pages;
        QVERIFY(page.json.at("records").size() <= 10);
        for (const Json& record : page.json.at("records")) {
            QCOMPARE(record.at("organizationCode"), "RIO");
            QCOMPARE(record.at("deleted"), false);
            QCOMPARE(record.at("data").at("pfaId"), record.at("pfaId"));
            seen.append(qs(record.at("pfaId")));
        }
        if (!editedFirstPage) {
            // While the client pages: one record it has seen changes, and one it has not seen yet
            // changes too. The first must come again, the second must not be skipped.
            editedFirstPage = true;
            editedId = seen.first();
            movedAheadId = u"PFA-10020"_s;
            QVERIFY_OK(sim().editRecord(Rio, editedId, {{"model", "seen, then changed"}}));
            QVERIFY_OK(sim().editRecord(Rio, movedAheadId, {{"model", "changed before seen"}}));
        }
        if (page.json.at("nextCursor").is_null())
            break;
        cursor = qs(page.json.at("nextCursor"));
        QVERIFY(!cursor.isEmpty());
        QVERIFY(pages < 10);
    }
    QCOMPARE(pages, 3);
    QCOMPARE(seen.size(), 26);
    QCOMPARE(QSet<QString>(seen.cbegin(), seen.cend()).size(), 25); // every record, none skipped
    QCOMPARE(seen.count(editedId), 2);
    QCOMPARE(seen.count(movedAheadId), 1);
    // Both changed records come last, in the order they were changed.
    QCOMPARE(seen.mid(24), (QStringList{editedId, movedAheadId}));
}

void TestPemsSimApi::listUpdatedSinceReturnsChangesAndTombstones()
{
    START_SIM({u"--generate"_s, u"5"_s});
    const HttpResult all = http().list(u"organizationCode=RIO"_s);
    QCOMPARE_STATUS(all, 200);
    QCOMPARE(all.json.at("records").size(), std::size_t{5});
    QVERIFY(all.json.at("nextCursor").is_null());
    qint64 newest = 0;
    for (const Json& record : all.json.at("records"))
        newest = std::max(newest, isoMs(record.at("updatedAt")));

    QVERIFY_OK(sim().editRecord(Rio, u"PFA-10002"_s, {{"model", "changed in PEMS"}}));
    QCOMPARE_STATUS(http().remove(Rio, u"PFA-10004"_s, 1), 200);

    const QString since =
        QDateTime::fromMSecsSinceEpoch(newest + 1, Qt::UTC).toString(Qt::ISODateWithMs);
    const HttpResult changes = http().list(u"organizationCode=RIO&updatedSince="_s +
                                           QString::fromLatin1(QUrl::toPercentEncoding(since)));
    QCOMPARE_STATUS(changes, 200);
    const Json& records = changes.json.at("records");
    QCOMPARE(records.size(), std::size_t{2});
    QCOMPARE(records[0].at("pfaId"), "PFA-10002");
    QCOMPARE(records[0].at("version"), 2);
    QCOMPARE(records[0].at("deleted"), false);
    QCOMPARE(records[0].at("data").at("model"), "changed in PEMS");
    QCOMPARE(records[1].at("pfaId"), "PFA-10004");
    QCOMPARE(records[1].at("version"), 2);
    QCOMPARE(records[1].at("deleted"), true);
    QVERIFY(records[1].at("data").empty());
    QVERIFY(changes.json.at("nextCursor").is_null());

    // The full feed lists the tombstone too, at its new place.
    const HttpResult again = http().list(u"organizationCode=RIO"_s);
    QCOMPARE(again.json.at("records").size(), std::size_t{5});
    QCOMPARE(again.json.at("records").back().at("deleted"), true);
}

void TestPemsSimApi::listRejectsBadParameters_data()
{
    QTest::addColumn<QString>("query");
    QTest::addColumn<QString>("field");
    QTest::newRow("limit 0") << u"organizationCode=RIO&limit=0"_s << u"limit"_s;
    QTest::newRow("limit 1001") << u"organizationCode=RIO&limit=1001"_s << u"limit"_s;
    QTest::newRow("limit text") << u"organizationCode=RIO&limit=ten"_s << u"limit"_s;
    QTest::newRow("cursor") << u"organizationCode=RIO&cursor=not-a-cursor"_s << u"cursor"_s;
    QTest::newRow("updatedSince") << u"organizationCode=RIO&updatedSince=yesterday"_s
                                  << u"updatedSince"_s;
    QTest::newRow("no organization") << u"limit=5"_s << u"organizationCode"_s;
}

void TestPemsSimApi::listRejectsBadParameters()
{
    QFETCH(QString, query);
    QFETCH(QString, field);
    START_SIM({u"--generate"_s, u"1"_s});
    const HttpResult result = http().list(query);
    QCOMPARE_STATUS(result, 400);
    QCOMPARE(result.json.at("error"), "VALIDATION_ERROR");
    QCOMPARE(qs(result.json.at("fields")[0].at("field")), field);

    QCOMPARE_STATUS(http().list(u"organizationCode=RIO&limit=1000"_s), 200);
}

void TestPemsSimApi::repeatedIdempotencyKeyReplaysFirstAnswer()
{
    START_SIM({u"--generate"_s, u"1"_s});
    const SimHttp::Options keyed{.idempotencyKey = "put-1"};
    const HttpResult first = http().update(Rio, First, 1, {{"model", "first"}}, keyed);
    QCOMPARE_STATUS(first, 200);
    QVERIFY(!first.hasHeader("Idempotent-Replayed"));

    // A retry, even one carrying something else, gets the first answer and changes nothing.
    const HttpResult retry = http().update(Rio, First, 2, {{"model", "second"}}, keyed);
    QCOMPARE_STATUS(retry, 200);
    QCOMPARE(retry.body, first.body);
    QCOMPARE(retry.header("Idempotent-Replayed"), QByteArray("true"));
    const HttpResult third = http().update(Rio, First, 1, {{"model", "first"}}, keyed);
    QCOMPARE(third.body, first.body);
    const HttpResult garbled =
        http().send("PUT", u"/api/pems/pfa/PFA-10001"_s, QByteArray("{oops"), keyed);
    QCOMPARE_STATUS(garbled, 200); // the first answer, not a 400 for this body
    QCOMPARE(garbled.body, first.body);

    const HttpResult now = http().get(Rio, First);
    QCOMPARE(now.json.at("version"), 2);
    QCOMPARE(now.json.at("data").at("model"), "first");

    const auto key = sim().idempotency(u"put-1"_s);
    QVERIFY_OK(key);
    QCOMPARE(key->at("requests"), 4);
    QCOMPARE(key->at("applications"), 1);
    const auto stats = sim().stats();
    QVERIFY_OK(stats);
    QCOMPARE(stats->at("duplicateApplications"), 0);
    QCOMPARE(stats->at("writesApplied"), 1);
    QCOMPARE(stats->at("idempotencyKeys").at("count"), 1);

    // A new key is a new write.
    QCOMPARE_STATUS(
        http().update(Rio, First, 2, {{"model", "second"}}, {.idempotencyKey = "put-2"}), 200);
    QCOMPARE(http().get(Rio, First).json.at("version"), 3);
}

void TestPemsSimApi::repeatedIdempotencyKeyReplaysConflict()
{
    START_SIM({u"--generate"_s, u"1"_s});
    QVERIFY_OK(sim().editRecord(Rio, First, {{"model", "PEMS"}}));
    const SimHttp::Options keyed{.idempotencyKey = "stale-put"};
    const HttpResult first = http().update(Rio, First, 1, {{"description", "ours"}}, keyed);
    QCOMPARE_STATUS(first, 409);
    const HttpResult retry = http().update(Rio, First, 2, {{"description", "ours"}}, keyed);
    QCOMPARE_STATUS(retry, 409);
    QCOMPARE(retry.body, first.body);
    QCOMPARE(retry.header("Idempotent-Replayed"), QByteArray("true"));
    QCOMPARE(http().get(Rio, First).json.at("version"), 2);
    const auto key = sim().idempotency(u"stale-put"_s);
    QVERIFY_OK(key);
    QCOMPARE(key->at("applications"), 0);
}

void TestPemsSimApi::concurrentRetriesApplyOnce()
{
    // Several connections (and server threads) racing with one key: exactly one application.
    START_SIM({u"--generate"_s, u"1"_s, u"--threads"_s, u"2"_s});
    QNetworkAccessManager network;
    network.setProxy(QNetworkProxy::NoProxy);
    const QByteArray body = QByteArray::fromStdString(
        Json({{"organizationCode", "RIO"}, {"version", 1}, {"changes", {{"model", "once"}}}})
            .dump());
    std::vector<std::unique_ptr<QNetworkReply>> replies;
    for (int i = 0; i < 12; ++i) {
        QNetworkRequest request(sim().url(u"/api/pems/pfa/PFA-10001"_s));
        request.setRawHeader("X-Api-Key", pfa::test::PemsSimProcess::defaultApiKey());
        request.setRawHeader("Idempotency-Key", "raced");
        request.setHeader(QNetworkRequest::ContentTypeHeader,
                          QByteArrayLiteral("application/json"));
        replies.emplace_back(network.put(request, body));
    }
    QTRY_VERIFY_WITH_TIMEOUT(std::all_of(replies.begin(), replies.end(),
                                         [](const auto& reply) { return reply->isFinished(); }),
                             10000);
    const QByteArray first = replies.front()->readAll();
    for (const auto& reply : replies) {
        QCOMPARE(reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt(), 200);
        if (reply != replies.front())
            QCOMPARE(reply->readAll(), first);
    }
    const auto key = sim().idempotency(u"raced"_s);
    QVERIFY_OK(key);
    QCOMPARE(key->at("requests"), 12);
    QCOMPARE(key->at("applications"), 1);
    QCOMPARE(http().get(Rio, First).json.at("version"), 2);
    const auto stats = sim().stats();
    QVERIFY_OK(stats);
    QCOMPARE(stats->at("duplicateApplications"), 0);
}

void TestPemsSimApi::replayIsForbiddenToOtherOrganizations()
{
    START_SIM({u"--generate"_s, u"1"_s, u"--api-key"_s, u"rio-key=RIO"_s, u"--api-key"_s,
               u"hou-key=HOU"_s});
    http().setApiKey("rio-key");
    const SimHttp::Options keyed{.idempotencyKey = "shared-key"};
    QCOMPARE_STATUS(http().update(Rio, First, 1, {{"model", "RIO's"}}, keyed), 200);
    // Another organization's client cannot read RIO's answer by reusing the key.
    http().setApiKey("hou-key");
    const HttpResult other = http().update(u"HOU"_s, First, 1, {{"model", "HOU's"}}, keyed);
    QCOMPARE_STATUS(other, 403);
    QCOMPARE(other.json.at("error"), "FORBIDDEN");
}

void TestPemsSimApi::repeatedIdempotencyKeyReplaysDelete()
{
    START_SIM({u"--generate"_s, u"1"_s});
    const SimHttp::Options keyed{.idempotencyKey = "delete-1"};
    const HttpResult first = http().remove(Rio, First, 1, keyed);
    QCOMPARE_STATUS(first, 200);
    const HttpResult retry = http().remove(Rio, First, 1, keyed);
    QCOMPARE_STATUS(retry, 200); // not 404: the first answer again
    QCOMPARE(retry.body, first.body);
    QCOMPARE(retry.header("Idempotent-Replayed"), QByteArray("true"));
    const auto key = sim().idempotency(u"delete-1"_s);
    QVERIFY_OK(key);
    QCOMPARE(key->at("requests"), 2);
    QCOMPARE(key->at("applications"), 1);
}

void TestPemsSimApi::adminCreatesEditsAndDeletesRecords()
{
    START_SIM({u"--generate"_s, u"1"_s});
    const Json full = {{"areaSilo", "Jetty / Silo A"},
                       {"category", "Pumps"},
                       {"class", "Dewatering Pump 6in"},
                       {"source", "Rental"},
                       {"dor", "BEO"},
                       {"monthlyRate", "2500.00"},
                       {"forecastStart", "2026-05-01T00:00:00Z"},
                       {"forecastEnd", "2026-09-30T00:00:00Z"}};
    const auto created = sim().editRecord(Rio, u"PFA-NEW-1"_s, full);
    QVERIFY_OK(created);
    QCOMPARE(*created, 1);
    const HttpResult got = http().get(Rio, u"PFA-NEW-1"_s);
    QCOMPARE_STATUS(got, 200);
    QCOMPARE(got.json.at("data").at("monthlyRate"), "2500.00");
    QCOMPARE(got.json.at("data").at("organizationCode"), "RIO");

    // A creation must make a valid record on its own: a rental needs its rate.
    const auto invalid = sim().admin("PUT", u"/__admin/records/RIO/PFA-NEW-2"_s,
                                     {{"changes", {{"source", "Rental"}}}});
    QVERIFY_OK(invalid);
    QCOMPARE(invalid->status, 400);
    QCOMPARE(invalid->body.at("error"), "VALIDATION_ERROR");
    QCOMPARE(invalid->body.at("fields")[0].at("field"), "monthlyRate");
    QCOMPARE(invalid->body.at("fields")[0].at("rule"), "rentalRate");
    QCOMPARE_STATUS(http().get(Rio, u"PFA-NEW-2"_s), 404);

    const auto deleted = sim().deleteRecord(Rio, u"PFA-NEW-1"_s);
    QVERIFY_OK(deleted);
    QCOMPARE(*deleted, 2);
    QCOMPARE_STATUS(http().get(Rio, u"PFA-NEW-1"_s), 404);

    sim().setAdminKey("wrong");
    const auto refused = sim().admin("GET", u"/__admin/stats"_s);
    QVERIFY_OK(refused);
    QCOMPARE(refused->status, 401);
    QCOMPARE(refused->body.at("error"), "UNAUTHORIZED");
}

void TestPemsSimApi::statsCountPerRouteAndStatus()
{
    START_SIM({u"--generate"_s, u"2"_s});
    QCOMPARE_STATUS(http().update(Rio, First, 1, {{"model", "A"}}), 200);
    QCOMPARE_STATUS(http().update(Rio, First, 1, {{"model", "B"}}), 409);
    QCOMPARE_STATUS(http().get(Rio, u"PFA-404"_s), 404);
    QCOMPARE_STATUS(http().get(Rio, First), 200);
    QCOMPARE_STATUS(http().list(u"organizationCode=RIO"_s), 200);
    QCOMPARE_STATUS(http().remove(Rio, u"PFA-10002"_s, 1), 200);

    auto stats = sim().stats();
    QVERIFY_OK(stats);
    const Json expected = {{"PUT 200", 1}, {"PUT 409", 1},  {"GET 404", 1},
                           {"GET 200", 1}, {"LIST 200", 1}, {"DELETE 200", 1}};
    QCOMPARE(stats->at("requests"), expected);
    QCOMPARE(stats->at("writesApplied"), 2);
    QCOMPARE(stats->at("duplicateApplications"), 0);
    QVERIFY(stats->at("maxRequestsInAnySecond").get<int>() >= 1);
    QVERIFY(stats->at("maxRequestsInAnySecond").get<int>() <= 6);

    QVERIFY_OK(sim().resetStats());
    stats = sim().stats();
    QVERIFY_OK(stats);
    QVERIFY(stats->at("requests").empty());
    QCOMPARE(stats->at("writesApplied"), 0);
    QCOMPARE(stats->at("maxRequestsInAnySecond"), 0);
}

QTEST_GUILESS_MAIN(TestPemsSimApi)
#include "tst_pemssim_api.moc"
