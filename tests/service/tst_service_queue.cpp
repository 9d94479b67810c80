// The queue, dead-letter and record routes end to end: a real worker meets a failing pems-sim
// until changes are dead letters, the service lists, retries and discards them, shows a record's
// mirror history, and an administrator rolls a record back until pems-sim holds the old values.

#include "ServiceTestCase.h"

#include "db/Sql.h"
#include "model/IsoDateTime.h"

#include <QFile>

using namespace Qt::StringLiterals;
using pfa::model::PfaField;
using pfa::model::SyncStatus;

namespace pfa::test {

class TstServiceQueue : public ServiceTestCase
{
    Q_OBJECT

    qint64 rowCount(const QString& table)
    {
        auto query = db::runQuery(world().db().connection(), u"count rows",
                                  u"SELECT count(*) FROM "_s + table);
        return query && query->next() ? query->value(0).toLongLong() : -1;
    }

    qint64 count(const QString& sql, std::initializer_list<db::SqlParam> params = {})
    {
        auto counted = world().db().count(sql, params);
        return counted ? *counted : -1;
    }

    qint64 queueIdOf(qint64 modificationId)
    {
        return count(u"SELECT max(id) FROM pfa_write_queue WHERE modification_id = :m"_s,
                     {{"m"_L1, modificationId}});
    }

    // PEMS answers 503 to every PUT until each change (code, record number) is a dead letter;
    // then PEMS is healthy again. The modification ids, in order; empty when it did not get there.
    std::vector<qint64> deadLetters(const std::vector<std::pair<QString, int>>& changes)
    {
        if (!world().sim().setFaults({{"routes", {{"PUT", {{"error503", 1.0}}}}}}))
            return {};
        std::vector<qint64> ids;
        for (const auto& [code, number] : changes) {
            auto committed = world().commit(code, number, laterForecastEnd(number, 5, code));
            if (!committed)
                return {};
            ids.push_back(committed->modification.id);
        }
        for (const qint64 id : ids) {
            if (!world().waitForStatus(id, SyncStatus::Failed))
                return {};
        }
        if (!world().sim().clearFaults())
            return {};
        return ids;
    }
    qint64 deadLetter(int number, const QString& code = u"RIO"_s)
    {
        const auto ids = deadLetters({{code, number}});
        return ids.empty() ? 0 : ids.front();
    }

    // A RIO change committed and synced (mirror version 2 of the record); its modification id.
    qint64 synced(int number)
    {
        auto committed = world().commit(u"RIO"_s, number, laterForecastEnd(number, 5));
        if (!committed || !world().waitForStatus(committed->modification.id, SyncStatus::Synced))
            return 0;
        return committed->modification.id;
    }

    SyncStatus status(qint64 modificationId)
    {
        auto now = world().status(modificationId);
        return now ? *now : SyncStatus::Draft;
    }

    static std::vector<qint64> listedIds(const HttpAnswer& answer)
    {
        std::vector<qint64> ids;
        for (const auto& item : answer.json.value("items", nlohmann::json::array()))
            ids.push_back(item.value("id", qint64(0)));
        return ids;
    }

    std::string pemsForecastEnd(int number)
    {
        const auto record = pemsRecord(number);
        if (!record.contains("data") || !record["data"].contains("forecastEnd"))
            return {};
        return record["data"]["forecastEnd"].get<std::string>();
    }

    std::string seededForecastEnd(int number)
    {
        return model::toIsoUtc(
                   std::get<QDateTime>(world().record(u"RIO"_s, number).at(PfaField::ForecastEnd)))
            .toStdString();
    }

    static nlohmann::json idsBody(std::initializer_list<qint64> ids)
    {
        nlohmann::json list = nlohmann::json::array();
        for (const qint64 id : ids)
            list.push_back(id);
        return {{"ids", list}};
    }

private Q_SLOTS:
    void init()
    {
        // A budget the functional tests' writes cannot exhaust; the flood test gets the small
        // one, so it is the limiter that answers there.
        const bool flood = QByteArrayView(QTest::currentTestFunction()).startsWith("flooding");
        QVERIFY(setUpService({.maxBodyBytes = 4096, .writeRequestsPerSecond = flood ? 5 : 1000}));
    }
    void cleanup() { tearDownService(); }

    void theQueueIsPagedNewestFirstWithAttemptsAndLastError()
    {
        const qint64 ok = synced(10002);
        QVERIFY(ok > 0);
        const qint64 dead = deadLetter(10001);
        QVERIFY(dead > 0);
        const qint64 okQueue = queueIdOf(ok);
        const qint64 deadQueue = queueIdOf(dead);

        const auto all = get(u"/api/pems/queue?organizationId=%1"_s.arg(rioId()), m_rioToken);
        QCOMPARE(all.status, 200);
        QVERIFY(all.json.value("success", false));
        QCOMPARE(all.json.value("total", -1), 2);
        QCOMPARE(listedIds(all), (std::vector<qint64>{deadQueue, okQueue}));
        const auto& item = all.json["items"][0];
        QCOMPARE(item.value("modificationId", qint64(0)), dead);
        QCOMPARE(item.value("organizationId", qint64(0)), rioId());
        QCOMPARE(item.value("pfaId", std::string()), SyncFixture::pfaId(10001).toStdString());
        QCOMPARE(item.value("status", std::string()), std::string("failed"));
        QVERIFY(item["lastError"].is_string());
        QVERIFY(!item.value("lastError", std::string()).empty());
        QCOMPARE(item.value("attemptCount", qint64(-1)),
                 count(u"SELECT count(*) FROM pfa_sync_attempt WHERE queue_id = :q"_s,
                       {{"q"_L1, deadQueue}}));
        QVERIFY(item.value("attemptCount", 0) > 1); // it was retried before it gave up
        QVERIFY(!item.contains("payload"));
        QVERIFY(!item.contains("idempotencyKey"));
        QVERIFY(all.json["items"][1]["lastError"].is_null());
        QCOMPARE(all.json["items"][1].value("status", std::string()), std::string("completed"));

        QCOMPARE(listedIds(get(u"/api/pems/queue?status=failed"_s, m_rioToken)),
                 std::vector<qint64>{deadQueue});
        QCOMPARE(listedIds(get(u"/api/pems/queue?status=completed"_s, m_rioToken)),
                 std::vector<qint64>{okQueue});
        QCOMPARE(get(u"/api/pems/queue?status=pending"_s, m_rioToken).json.value("total", -1), 0);
        QCOMPARE(listedIds(get(u"/api/pems/queue?pfaId=PFA-10002"_s, m_rioToken)),
                 std::vector<qint64>{okQueue});
        const auto second = get(u"/api/pems/queue?limit=1&offset=1"_s, m_rioToken);
        QCOMPARE(listedIds(second), std::vector<qint64>{okQueue});
        QCOMPARE(second.json.value("total", -1), 2);
        QCOMPARE(get(u"/api/pems/queue?offset=1000"_s, m_rioToken).json["items"].size(), 0u);
        // A viewer (no perm_sync) may still look.
        QCOMPARE(get(u"/api/pems/queue"_s, m_viewerToken).json.value("total", -1), 2);
    }

    void deadLettersAreListedOldestFirstPerOrganization()
    {
        const qint64 ok = synced(10003);
        QVERIFY(ok > 0);
        const auto ids = deadLetters({{u"RIO"_s, 10001}, {u"RIO"_s, 10002}, {u"HOU"_s, 10001}});
        QCOMPARE(ids.size(), 3u);
        const std::vector<qint64> rio{queueIdOf(ids[0]), queueIdOf(ids[1])};

        const auto mine = get(u"/api/pems/dead-letters"_s, m_rioToken);
        QCOMPARE(mine.status, 200);
        QCOMPARE(mine.json.value("total", -1), 2);
        QCOMPARE(listedIds(mine), rio);
        for (const auto& item : mine.json["items"]) {
            QCOMPARE(item.value("status", std::string()), std::string("failed"));
            QVERIFY(!item.value("lastError", std::string()).empty());
            QVERIFY(item.value("attemptCount", 0) >= 1);
            QCOMPARE(item.value("failureClass", std::string()), std::string("transient"));
        }
        const auto page = get(u"/api/pems/dead-letters?limit=1&offset=1"_s, m_rioToken);
        QCOMPARE(listedIds(page), std::vector<qint64>{rio[1]});
        QCOMPARE(page.json.value("total", -1), 2);
        QCOMPARE(get(u"/api/pems/dead-letters?organizationId=%1"_s.arg(rioId()), m_rioToken)
                     .json.value("total", -1),
                 2);
        // The administrator sees every organization's.
        QCOMPARE(get(u"/api/pems/dead-letters"_s, m_adminToken).json.value("total", -1), 3);
        QCOMPARE(listedIds(
                     get(u"/api/pems/dead-letters?organizationId=%1"_s.arg(houId()), m_adminToken)),
                 std::vector<qint64>{queueIdOf(ids[2])});
    }

    void aRetriedDeadLetterEndsSynced()
    {
        const qint64 id = deadLetter(10001);
        QVERIFY(id > 0);
        const qint64 queueId = queueIdOf(id);
        const auto answer = post(u"/api/pems/dead-letters/retry"_s, m_rioToken, idsBody({queueId}));
        QCOMPARE(answer.status, 202);
        QVERIFY(answer.json.value("success", false));
        QCOMPARE(answer.json["items"].size(), 1u);
        QCOMPARE(answer.json["items"][0].value("id", qint64(0)), queueId);
        QCOMPARE(answer.json["items"][0].value("modificationId", qint64(0)), id);
        QCOMPARE(answer.json["items"][0].value("status", std::string()), std::string("pending"));

        QVERIFY(world().waitForStatus(id, SyncStatus::Synced));
        QCOMPARE(QString::fromStdString(pemsForecastEnd(10001)),
                 model::toIsoUtc(
                     std::get<QDateTime>(laterForecastEnd(10001, 5).at(PfaField::ForecastEnd))));
        QCOMPARE(get(u"/api/pems/dead-letters"_s, m_rioToken).json.value("total", -1), 0);
        QCOMPARE(count(u"SELECT count(*) FROM audit_log WHERE action = 'modification.queued'"
                       " AND actor = 'rio@pfa.example' AND details ->> 'redrive' = 'true'"_s),
                 1);
        // Not a dead letter any more: a second retry is a state conflict, not a 404.
        const auto again = post(u"/api/pems/dead-letters/retry"_s, m_rioToken, idsBody({queueId}));
        QCOMPARE(again.status, 409);
    }

    void aDiscardNeedsAReasonThenIsDiscardedAndAudited()
    {
        const qint64 id = deadLetter(10001);
        QVERIFY(id > 0);
        const qint64 queueId = queueIdOf(id);
        const QString path = u"/api/pems/dead-letters/discard"_s;
        for (const nlohmann::json& reason :
             {nlohmann::json(), nlohmann::json("   "), nlohmann::json(5), nlohmann::json("")}) {
            nlohmann::json body = idsBody({queueId});
            if (!reason.is_null())
                body["reason"] = reason;
            const auto refused = post(path, m_rioToken, body);
            QCOMPARE(refused.status, 400);
            QCOMPARE(refused.text("error"), u"INVALID_INPUT"_s);
            QCOMPARE(refused.field(), u"reason"_s);
        }
        QCOMPARE(status(id), SyncStatus::Failed);

        const std::string reason = "superseded'; DELETE FROM audit_log; -- <b>x</b>";
        auto body = idsBody({queueId});
        body["reason"] = reason;
        const auto answer = post(path, m_rioToken, body);
        QCOMPARE(answer.status, 200);
        QCOMPARE(answer.json["items"].size(), 1u);
        QCOMPARE(answer.json["items"][0].value("status", std::string()), std::string("completed"));
        QCOMPARE(status(id), SyncStatus::Discarded);
        // Audited with the reason exactly as sent (bound, never spliced into SQL).
        auto audited = world().db().value(
            u"SELECT details ->> 'reason' FROM audit_log WHERE action = 'modification.discarded'"
            " AND entity_id = :id AND actor = 'rio@pfa.example'"_s,
            {{"id"_L1, QString::number(id)}});
        QVERIFY(audited);
        QCOMPARE(audited->toString(), QString::fromStdString(reason));
        QCOMPARE(get(u"/api/pems/dead-letters"_s, m_rioToken).json.value("total", -1), 0);
        QVERIFY(rowCount(u"audit_log"_s) > 0);
    }

    void retryAndDiscardNeedPermSync()
    {
        const qint64 id = deadLetter(10001);
        QVERIFY(id > 0);
        const qint64 queueId = queueIdOf(id);
        auto discard = idsBody({queueId});
        discard["reason"] = "obsolete";
        for (const auto& [path, body] :
             {std::pair{u"/api/pems/dead-letters/retry"_s, idsBody({queueId})},
              std::pair{u"/api/pems/dead-letters/discard"_s, discard}}) {
            const auto answer = post(path, m_viewerToken, body);
            QCOMPARE(answer.status, 403);
            QCOMPARE(answer.text("error"), u"FORBIDDEN"_s);
            QVERIFY2(answer.text("message").contains(u"perm_sync"_s), answer.body.constData());
        }
        QCOMPARE(status(id), SyncStatus::Failed);
        QCOMPARE(get(u"/api/pems/dead-letters"_s, m_rioToken).json.value("total", -1), 1);
    }

    void foreignDeadLettersAnswerLikeMissingOnesAndRefuseTheWholeRequest()
    {
        const auto ids = deadLetters({{u"RIO"_s, 10001}, {u"HOU"_s, 10001}});
        QCOMPARE(ids.size(), 2u);
        const qint64 rio = queueIdOf(ids[0]);
        const qint64 hou = queueIdOf(ids[1]);
        const qint64 missing = std::max(rio, hou) + 1000;
        for (const QString& path :
             {u"/api/pems/dead-letters/retry"_s, u"/api/pems/dead-letters/discard"_s}) {
            auto body = [&](std::initializer_list<qint64> list) {
                auto json = idsBody(list);
                if (path.endsWith(u"discard"_s))
                    json["reason"] = "r";
                return json;
            };
            const auto foreign = post(path, m_rioToken, body({hou}));
            const auto absent = post(path, m_rioToken, body({missing}));
            QCOMPARE(foreign.status, 404);
            QCOMPARE(absent.status, 404);
            QCOMPARE(foreign.text("error"), absent.text("error"));
            QCOMPARE(foreign.field(), absent.field());
            QCOMPARE(foreign.text("message"), absent.text("message").replace(
                                                  QString::number(missing), QString::number(hou)));
            QVERIFY(!foreign.body.contains("HOU"));
            // One foreign id refuses the whole bulk request: the visible one stays as it was.
            const auto mixed = post(path, m_rioToken, body({rio, hou}));
            QCOMPARE(mixed.status, 404);
            QCOMPARE(mixed.text("message"), foreign.text("message"));
            QCOMPARE(status(ids[0]), SyncStatus::Failed);
            QCOMPARE(status(ids[1]), SyncStatus::Failed);
        }
        for (const QString& list : {u"/api/pems/queue"_s, u"/api/pems/dead-letters"_s}) {
            const auto foreign = get(list + u"?organizationId=%1"_s.arg(houId()), m_rioToken);
            const auto absent = get(list + u"?organizationId=999999"_s, m_rioToken);
            QCOMPARE(foreign.status, 404);
            QCOMPARE(foreign.text("message"),
                     absent.text("message").replace(u"999999"_s, QString::number(houId())));
            const auto mine = get(list, m_rioToken);
            const auto listed = listedIds(mine);
            QVERIFY(std::ranges::find(listed, hou) == listed.end());
            QVERIFY(std::ranges::find(listed, rio) != listed.end());
        }
    }

    void theRecordHistoryListsEveryMirrorVersionNewestFirst()
    {
        QVERIFY(synced(10001) > 0);
        const QString path = u"/api/pems/records/PFA-10001/history?organizationId=%1"_s;
        const auto answer = get(path.arg(rioId()), m_viewerToken);
        QCOMPARE(answer.status, 200);
        QCOMPARE(answer.json.value("pfaId", std::string()), std::string("PFA-10001"));
        QCOMPARE(answer.json.value("organizationId", qint64(0)), rioId());
        QCOMPARE(answer.json.value("currentVersion", 0), 2);
        const auto& versions = answer.json["versions"];
        QCOMPARE(versions.size(), 2u);
        QCOMPARE(versions[0].value("version", 0), 2);
        QCOMPARE(versions[0].value("source", std::string()), std::string("write"));
        QVERIFY(versions[0]["changedFields"] == nlohmann::json::array({"forecastEnd"}));
        QVERIFY(versions[0]["recordedAt"].is_string());
        QVERIFY(versions[0].contains("actor"));
        QCOMPARE(versions[1].value("version", 0), 1);
        QCOMPARE(versions[1].value("source", std::string()), std::string("pull"));
        QCOMPARE(versions[1]["data"].value("forecastEnd", std::string()), seededForecastEnd(10001));

        // HOU holds a PFA-10001 too: for RIO's members it answers as a missing organization.
        const auto foreign = get(path.arg(houId()), m_rioToken);
        const auto absent = get(path.arg(999999), m_rioToken);
        QCOMPARE(foreign.status, 404);
        QCOMPARE(foreign.text("message"),
                 absent.text("message").replace(u"999999"_s, QString::number(houId())));
        QCOMPARE(foreign.field(), absent.field());
        QCOMPARE(get(path.arg(houId()), m_adminToken).status, 200);
        const auto unknown = get(
            u"/api/pems/records/PFA-99999/history?organizationId=%1"_s.arg(rioId()), m_rioToken);
        QCOMPARE(unknown.status, 404);
        QCOMPARE(unknown.field(), u"pfaId"_s);
    }

    void aRecordRollbackIsForAdministratorsAndEndsSyncedInPems()
    {
        QVERIFY(synced(10001) > 0);
        QCOMPARE(QString::fromStdString(pemsForecastEnd(10001)),
                 model::toIsoUtc(
                     std::get<QDateTime>(laterForecastEnd(10001, 5).at(PfaField::ForecastEnd))));
        const QString path = u"/api/pems/records/PFA-10001/rollback"_s;
        const nlohmann::json body = {
            {"organizationId", rioId()}, {"version", 1}, {"reason", "wrong date"}};
        const qint64 modificationsBefore = rowCount(u"pfa_modification"_s);

        const auto refused = post(path, m_rioToken, body);
        QCOMPARE(refused.status, 403);
        QCOMPARE(refused.text("message"), u"rollback needs an administrator"_s);
        QCOMPARE(rowCount(u"pfa_modification"_s), modificationsBefore);

        // The mirror moved since a preview of version 1: refused, nothing queued.
        auto stale = body;
        stale["expectedFromVersion"] = 1;
        QCOMPARE(post(path, m_adminToken, stale).status, 409);
        QCOMPARE(rowCount(u"pfa_modification"_s), modificationsBefore);

        auto expected = body;
        expected["expectedFromVersion"] = 2;
        const auto answer = post(path, m_adminToken, expected);
        QCOMPARE(answer.status, 202);
        QVERIFY(answer.json.value("success", false));
        QCOMPARE(answer.json.value("fromVersion", 0), 2);
        QCOMPARE(answer.json.value("toVersion", 0), 1);
        QCOMPARE(answer.json.value("priority", 0), 100);
        QCOMPARE(answer.json["changes"].size(), 1u);
        QCOMPARE(answer.json["changes"][0].value("field", std::string()),
                 std::string("forecastEnd"));
        const qint64 modification = answer.json.value("modificationId", qint64(0));
        QVERIFY(modification > 0);
        QCOMPARE(answer.json.value("queueId", qint64(0)), queueIdOf(modification));
        QVERIFY(answer.json.value("jobId", qint64(0)) > 0);

        QVERIFY(world().waitForStatus(modification, SyncStatus::Synced));
        QCOMPARE(pemsForecastEnd(10001), seededForecastEnd(10001));
        QCOMPARE(count(u"SELECT count(*) FROM pfa_modification WHERE id = :id"
                       " AND rollback_of_version = 1"_s,
                       {{"id"_L1, modification}}),
                 1);
        QCOMPARE(count(u"SELECT count(*) FROM audit_log WHERE action = 'rollback.queued'"
                       " AND actor = 'admin@pfa.example' AND entity_id = :id"_s,
                       {{"id"_L1, QString::number(modification)}}),
                 1);
        // The history the wizard reads shows the rollback as the newest version.
        QTRY_COMPARE_WITH_TIMEOUT(
            get(u"/api/pems/records/PFA-10001/history?organizationId=%1"_s.arg(rioId()),
                m_adminToken)
                .json.value("currentVersion", 0),
            3, 15000);
    }

    void aBadRollbackAnswersNamingTheField()
    {
        QVERIFY(synced(10001) > 0);
        const QString path = u"/api/pems/records/PFA-10001/rollback"_s;
        const nlohmann::json good = {{"organizationId", rioId()}, {"version", 1}, {"reason", "r"}};
        const qint64 before = rowCount(u"pfa_modification"_s);
        auto with = [&](const char* key, const nlohmann::json& value) {
            auto body = good;
            if (value.is_null())
                body.erase(key);
            else
                body[key] = value;
            return body;
        };
        const std::vector<std::tuple<nlohmann::json, QString>> cases{
            {with("organizationId", nullptr), u"organizationId"_s},
            {with("organizationId", "1"), u"organizationId"_s},
            {with("organizationId", 0), u"organizationId"_s},
            {with("version", nullptr), u"version"_s},
            {with("version", 1.5), u"version"_s},
            {with("version", -1), u"version"_s},
            {with("reason", nullptr), u"reason"_s},
            {with("reason", "  "), u"reason"_s},
            {with("reason", true), u"reason"_s},
            {with("expectedFromVersion", "2"), u"expectedFromVersion"_s},
            {with("dryRun", true), u"dryRun"_s},
            // The record is at version 2 already: nothing to roll back.
            {with("version", 2), u"version"_s},
        };
        for (const auto& [body, field] : cases) {
            const auto answer = post(path, m_adminToken, body);
            QVERIFY2(answer.status == 400, answer.body.constData());
            QCOMPARE(answer.field(), field);
        }
        const auto notJson = request("POST", path, m_adminToken, "{\"version\":");
        QCOMPARE(notJson.status, 400);
        QCOMPARE(notJson.field(), u"body"_s);
        const auto array = request("POST", path, m_adminToken, "[1]");
        QCOMPARE(array.field(), u"body"_s);
        // A version the record never had.
        const auto unknown = post(path, m_adminToken, with("version", 99));
        QCOMPARE(unknown.status, 404);
        QCOMPARE(unknown.field(), u"version"_s);
        const auto missing = post(u"/api/pems/records/PFA-99999/rollback"_s, m_adminToken, good);
        QCOMPARE(missing.status, 404);
        QCOMPARE(missing.field(), u"pfaId"_s);
        // Another organization's record answers as a missing organization, even to a
        // non-administrator (404 before 403).
        const auto foreign = post(path, m_rioToken, with("organizationId", houId()));
        const auto absent = post(path, m_rioToken, with("organizationId", 999999));
        QCOMPARE(foreign.status, 404);
        QCOMPARE(foreign.text("message"),
                 absent.text("message").replace(u"999999"_s, QString::number(houId())));
        QCOMPARE(rowCount(u"pfa_modification"_s), before);
    }

    void badQueryInputGetsA400NamingTheField_data()
    {
        QTest::addColumn<QString>("path");
        QTest::addColumn<QString>("field");
        QTest::newRow("queue unknown") << u"/api/pems/queue?page=2"_s << u"page"_s;
        QTest::newRow("queue organizationId")
            << u"/api/pems/queue?organizationId=x"_s << u"organizationId"_s;
        QTest::newRow("queue organizationId 0")
            << u"/api/pems/queue?organizationId=0"_s << u"organizationId"_s;
        QTest::newRow("queue status") << u"/api/pems/queue?status=done"_s << u"status"_s;
        QTest::newRow("queue pfaId")
            << u"/api/pems/queue?pfaId="_s + QString(65, u'P') << u"pfaId"_s;
        QTest::newRow("queue limit 0") << u"/api/pems/queue?limit=0"_s << u"limit"_s;
        QTest::newRow("queue limit 501") << u"/api/pems/queue?limit=501"_s << u"limit"_s;
        QTest::newRow("queue offset") << u"/api/pems/queue?offset=-1"_s << u"offset"_s;
        QTest::newRow("dead unknown") << u"/api/pems/dead-letters?status=failed"_s << u"status"_s;
        QTest::newRow("dead organizationId")
            << u"/api/pems/dead-letters?organizationId=-3"_s << u"organizationId"_s;
        QTest::newRow("dead limit") << u"/api/pems/dead-letters?limit=x"_s << u"limit"_s;
        QTest::newRow("dead offset") << u"/api/pems/dead-letters?offset=1000001"_s << u"offset"_s;
        QTest::newRow("history without organization")
            << u"/api/pems/records/PFA-10001/history"_s << u"organizationId"_s;
        QTest::newRow("history organizationId")
            << u"/api/pems/records/PFA-10001/history?organizationId=abc"_s << u"organizationId"_s;
        QTest::newRow("history unknown")
            << u"/api/pems/records/PFA-10001/history?organizationId=1&version=1"_s << u"version"_s;
        QTest::newRow("history pfaId")
            << u"/api/pems/records/"_s + QString(65, u'P') + u"/history?organizationId=1"_s
            << u"pfaId"_s;
        QTest::newRow("history control character")
            << u"/api/pems/records/PFA%0A1/history?organizationId=1"_s << u"pfaId"_s;
    }

    void badQueryInputGetsA400NamingTheField()
    {
        QFETCH(QString, path);
        QFETCH(QString, field);
        const auto answer = get(path, m_rioToken);
        QCOMPARE(answer.status, 400);
        QCOMPARE(answer.text("error"), u"INVALID_INPUT"_s);
        QCOMPARE(answer.field(), field);
    }

    void aBadBulkBodyGetsA400NamingTheField()
    {
        QStringList tooMany;
        for (int i = 1; i <= 501; ++i)
            tooMany << QString::number(i);
        // Written as text, so each case is exactly the JSON a client would send.
        const std::vector<std::pair<QString, QString>> texts{
            {u"{}"_s, u"ids"_s},
            {u"{\"ids\": 5}"_s, u"ids"_s},
            {u"{\"ids\": \"1,2\"}"_s, u"ids"_s},
            {u"{\"ids\": []}"_s, u"ids"_s},
            {u"{\"ids\": ["_s + tooMany.join(u',') + u"]}"_s, u"ids"_s},
            {u"{\"ids\": [\"1\"]}"_s, u"ids"_s},
            {u"{\"ids\": [0]}"_s, u"ids"_s},
            {u"{\"ids\": [-4]}"_s, u"ids"_s},
            {u"{\"ids\": [1.5]}"_s, u"ids"_s},
            {u"{\"ids\": [null]}"_s, u"ids"_s},
            {u"{\"ids\": [7, 7]}"_s, u"ids"_s},
            {u"{\"ids\": [1], \"all\": true}"_s, u"all"_s},
        };
        std::vector<std::pair<nlohmann::json, QString>> cases;
        for (const auto& [text, field] : texts)
            cases.emplace_back(nlohmann::json::parse(text.toStdString()), field);
        for (const QString& path :
             {u"/api/pems/dead-letters/retry"_s, u"/api/pems/dead-letters/discard"_s}) {
            for (auto [body, field] : cases) {
                if (path.endsWith(u"discard"_s))
                    body["reason"] = "r";
                const auto answer = post(path, m_rioToken, body);
                QVERIFY2(answer.status == 400, answer.body.constData());
                QCOMPARE(answer.text("error"), u"INVALID_INPUT"_s);
                QCOMPARE(answer.field(), field);
            }
            const auto notJson = request("POST", path, m_rioToken, "{\"ids\": [1");
            QCOMPARE(notJson.status, 400);
            QCOMPARE(notJson.field(), u"body"_s);
            QCOMPARE(request("POST", path, m_rioToken, "[1, 2]").field(), u"body"_s);
        }
        // Retry takes no reason; an unknown field is named.
        const auto extra =
            post(u"/api/pems/dead-letters/retry"_s, m_rioToken, {{"ids", {1}}, {"reason", "r"}});
        QCOMPARE(extra.field(), u"reason"_s);
    }

    void everyRouteNeedsAToken()
    {
        for (const auto& [method, path] :
             {std::pair{QByteArray("GET"), u"/api/pems/queue"_s},
              std::pair{QByteArray("GET"), u"/api/pems/dead-letters"_s},
              std::pair{QByteArray("POST"), u"/api/pems/dead-letters/retry"_s},
              std::pair{QByteArray("POST"), u"/api/pems/dead-letters/discard"_s},
              std::pair{QByteArray("GET"), u"/api/pems/records/PFA-10001/history"_s},
              std::pair{QByteArray("POST"), u"/api/pems/records/PFA-10001/rollback"_s}}) {
            const auto answer = request(method, path, {});
            QCOMPARE(answer.status, 401);
            QCOMPARE(answer.text("error"), u"UNAUTHORIZED"_s);
            QVERIFY(!answer.header("WWW-Authenticate").isEmpty());
            QCOMPARE(request(method, path, "pfa_not-a-token").status, 401);
        }
    }

    void largeBodiesGetA413()
    {
        const qint64 before = rowCount(u"pfa_modification"_s);
        const std::string padding(5000, 'x');
        for (const QString& path :
             {u"/api/pems/dead-letters/retry"_s, u"/api/pems/dead-letters/discard"_s,
              u"/api/pems/records/PFA-10001/rollback"_s}) {
            const auto answer = post(path, m_adminToken, {{"ids", {1}}, {"reason", padding}});
            QCOMPARE(answer.status, 413);
            QCOMPARE(answer.text("error"), u"PAYLOAD_TOO_LARGE"_s);
            QCOMPARE(answer.field(), u"body"_s);
        }
        QCOMPARE(rowCount(u"pfa_modification"_s), before);
    }

    void floodingTheWriteRoutesGetsA429()
    {
        const nlohmann::json rollback = {
            {"organizationId", houId()}, {"version", 1}, {"reason", "r"}};
        // One budget per token across the write routes: the first burst spends it, later ones
        // meet the limiter at once. Only routes counted against it ever answer 429.
        for (const auto& [path, body] :
             {std::pair{u"/api/pems/dead-letters/retry"_s, idsBody({424242})},
              std::pair{u"/api/pems/dead-letters/discard"_s,
                        nlohmann::json{{"ids", {424242}}, {"reason", "r"}}},
              std::pair{u"/api/pems/records/PFA-10001/rollback"_s, rollback}}) {
            int limited = 0;
            QByteArray retryAfter;
            for (int i = 0; i < 12; ++i) {
                // Refused (404) anyway, but each still draws on the token's write budget.
                const auto answer = post(path, m_viewerToken, body);
                if (answer.status == 429) {
                    ++limited;
                    retryAfter = answer.header("Retry-After");
                    QCOMPARE(answer.text("error"), u"RATE_LIMITED"_s);
                } else {
                    QCOMPARE(answer.status, 404);
                }
            }
            QVERIFY2(limited > 0, qPrintable(path));
            QVERIFY(retryAfter.toInt() >= 1);
            // Reads are not counted against the write budget.
            QCOMPARE(get(u"/api/pems/dead-letters"_s, m_viewerToken).status, 200);
        }
    }

    void sqlInjectionInEveryParameterIsRefusedAndTablesStayIntact()
    {
        QVERIFY(deadLetter(10001) > 0);
        const qint64 queue = rowCount(u"pfa_write_queue"_s);
        const qint64 mirror = rowCount(u"pfa_mirror"_s);
        const QStringList attacks{u"1;DROP TABLE pfa_write_queue"_s, u"1' OR '1'='1"_s,
                                  u"failed' OR 1=1--"_s,
                                  u"1 UNION SELECT token_sha256 FROM api_token"_s};
        const auto noLeak = [](const HttpAnswer& answer) {
            for (const char* leak : {"SELECT", "pfa_", "syntax", "QPSQL", "api_token", "DROP"}) {
                if (answer.body.contains(leak))
                    return false;
            }
            return true;
        };
        for (const QString& attack : attacks) {
            const QString value = QString::fromLatin1(QUrl::toPercentEncoding(attack));
            const QStringList paths{
                u"/api/pems/queue?organizationId="_s + value,
                u"/api/pems/queue?status="_s + value,
                u"/api/pems/queue?limit="_s + value,
                u"/api/pems/queue?offset="_s + value,
                u"/api/pems/dead-letters?organizationId="_s + value,
                u"/api/pems/dead-letters?limit="_s + value,
                u"/api/pems/records/PFA-10001/history?organizationId="_s + value,
                u"/api/pems/records/"_s + value + u"/history?organizationId=%1"_s.arg(rioId()),
            };
            for (const QString& path : paths) {
                const auto answer = get(path, m_adminToken);
                QVERIFY2(answer.status == 400 || answer.status == 404, qPrintable(path));
                QVERIFY2(noLeak(answer), answer.body.constData());
            }
            // The record filter is a value to compare, so an attack matches nothing.
            const auto filtered = get(u"/api/pems/queue?pfaId="_s + value, m_adminToken);
            QCOMPARE(filtered.status, 200);
            QCOMPARE(filtered.json.value("total", -1), 0);
            const auto posted = post(
                u"/api/pems/records/"_s + value + u"/rollback"_s, m_adminToken,
                {{"organizationId", rioId()}, {"version", 1}, {"reason", attack.toStdString()}});
            QCOMPARE(posted.status, 404);
            QVERIFY2(noLeak(posted), posted.body.constData());
            const auto ids = post(u"/api/pems/dead-letters/retry"_s, m_adminToken,
                                  {{"ids", {attack.toStdString()}}});
            QCOMPARE(ids.status, 400);
            QVERIFY2(noLeak(ids), ids.body.constData());
        }
        QCOMPARE(rowCount(u"pfa_write_queue"_s), queue);
        QCOMPARE(rowCount(u"pfa_mirror"_s), mirror);
        QCOMPARE(rowCount(u"api_token"_s), 3);
        QCOMPARE(get(u"/api/pems/dead-letters"_s, m_adminToken).json.value("total", -1), 1);
    }

    void theOpenApiFragmentsAreEmbeddedAndNameEveryRoute()
    {
        nlohmann::json paths = nlohmann::json::object();
        for (const QString& group : {u"queue"_s, u"records"_s}) {
            QFile file(u":/openapi/%1.json"_s.arg(group));
            QVERIFY2(file.open(QIODevice::ReadOnly), qPrintable(group));
            const auto fragment =
                nlohmann::json::parse(file.readAll().toStdString(), nullptr, false);
            QVERIFY(fragment.is_object());
            QVERIFY(fragment["components"]["schemas"].is_object());
            paths.update(fragment["paths"]);
        }
        for (const auto& [path, method] :
             {std::pair{"/api/pems/queue", "get"}, std::pair{"/api/pems/dead-letters", "get"},
              std::pair{"/api/pems/dead-letters/retry", "post"},
              std::pair{"/api/pems/dead-letters/discard", "post"},
              std::pair{"/api/pems/records/{pfaId}/history", "get"},
              std::pair{"/api/pems/records/{pfaId}/rollback", "post"}})
            QVERIFY2(paths[path].contains(method), path);
    }
};

} // namespace pfa::test

QTEST_GUILESS_MAIN(pfa::test::TstServiceQueue)
#include "tst_service_queue.moc"
