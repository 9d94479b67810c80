// pems-sim's rate limit and scripted faults through real HTTP: 429 with Retry-After in both
// forms, the busiest-second statistic, seeded 500/503, latency, dropped connections and hangs.
#include "SimTestCase.h"

#include <QDateTime>
#include <QElapsedTimer>
#include <QLocale>
#include <QNetworkAccessManager>
#include <QNetworkProxy>
#include <QNetworkReply>
#include <QTimer>

using namespace Qt::StringLiterals;
using pfa::test::HttpResult;
using pfa::test::SimHttp;
using Json = nlohmann::json;

namespace {

const QString Rio = u"RIO"_s;
const QString First = u"PFA-10001"_s;

QDateTime parseHttpDate(const QByteArray& value)
{
    return QLocale::c()
        .toDateTime(QString::fromLatin1(value), u"ddd, dd MMM yyyy hh:mm:ss 'GMT'"_s)
        .toUTC();
}

} // namespace

class TestPemsSimFaults final : public pfa::test::SimTestCase
{
    Q_OBJECT

private Q_SLOTS:
    void cleanup() { stopSim(); }

    void rateLimitAnswers429WithRetryAfterSeconds();
    void rateLimitRetryAfterAsHttpDate();
    void pacedClientStaysWithinTheLimit();
    void injectedErrorsFollowTheSeed();
    void injected429CarriesRetryAfter();
    void latencyDelaysTheAnswer();
    void droppedConnectionLosesOnlyTheAnswer();
    void hangLastsUntilTheClientGivesUp();
    void badFaultPlanIsRefused();

private:
    // Sends GETs back to back until one is rate limited (at most `attempts`); the statuses.
    QList<int> burst(int attempts, HttpResult* limited);
};

QList<int> TestPemsSimFaults::burst(int attempts, HttpResult* limited)
{
    QList<int> statuses;
    for (int i = 0; i < attempts; ++i) {
        HttpResult result = http().get(Rio, First);
        statuses.append(result.status);
        if (result.status == 429) {
            *limited = std::move(result);
            break;
        }
    }
    return statuses;
}

void TestPemsSimFaults::rateLimitAnswers429WithRetryAfterSeconds()
{
    START_SIM({u"--generate"_s, u"1"_s, u"--rate-limit"_s, u"5"_s});
    QElapsedTimer elapsed;
    elapsed.start();
    HttpResult limited;
    const QList<int> statuses = burst(20, &limited);
    QCOMPARE_STATUS(limited, 429);
    if (elapsed.elapsed() < 900) // a burst inside one second: exactly the limit gets through
        QCOMPARE(statuses, (QList<int>{200, 200, 200, 200, 200, 429}));
    QCOMPARE(limited.json.at("success"), false);
    QCOMPARE(limited.json.at("error"), "RATE_LIMITED");
    bool isNumber = false;
    const int retryAfter = limited.header("Retry-After").toInt(&isNumber);
    QVERIFY2(isNumber, limited.header("Retry-After").constData());
    QVERIFY(retryAfter >= 1 && retryAfter <= 2);

    // A rate-limited write is not applied.
    const HttpResult put = http().update(Rio, First, 1, {{"model", "limited"}});
    if (put.status == 429) {
        const auto record = sim().record(Rio, First);
        QVERIFY_OK(record);
        QCOMPARE(record->at("version"), 1);
    }
    const auto stats = sim().stats();
    QVERIFY_OK(stats);
    QVERIFY(stats->at("requests").at("GET 429").get<int>() >= 1);
    QCOMPARE(stats->at("writesApplied"), put.status == 200 ? 1 : 0);

    // Once the window has moved on, requests get through again. (Not QTRY_COMPARE: it evaluates
    // its expression once more after the wait, and that extra request can meet a full window.)
    int status = 0;
    QVERIFY(QTest::qWaitFor([&] { return (status = http().get(Rio, First).status) == 200; }, 5000));
    QCOMPARE(status, 200);
}

void TestPemsSimFaults::rateLimitRetryAfterAsHttpDate()
{
    START_SIM({u"--generate"_s, u"1"_s, u"--rate-limit"_s, u"3"_s});
    QVERIFY_OK(sim().setFaults({{"retryAfterFormat", "http-date"}}));
    HttpResult limited;
    (void)burst(20, &limited);
    QCOMPARE_STATUS(limited, 429);
    const QDateTime at = parseHttpDate(limited.header("Retry-After"));
    QVERIFY2(at.isValid(), limited.header("Retry-After").constData());
    const QDateTime now = QDateTime::currentDateTimeUtc();
    QVERIFY(at >= now.addSecs(-1)); // whole seconds: never before the wait is over
    QVERIFY(at <= now.addSecs(3));
}

void TestPemsSimFaults::pacedClientStaysWithinTheLimit()
{
    START_SIM({u"--generate"_s, u"1"_s, u"--rate-limit"_s, u"10"_s});
    // A client that keeps to 8 requests per second (one every 125 ms), driven by a timer.
    constexpr int Requests = 20;
    QNetworkAccessManager network;
    network.setProxy(QNetworkProxy::NoProxy);
    QList<int> statuses;
    int sent = 0;
    QTimer pacer;
    pacer.setTimerType(Qt::PreciseTimer);
    pacer.setInterval(125);
    connect(&pacer, &QTimer::timeout, this, [&] {
        if (sent == Requests) {
            pacer.stop();
            return;
        }
        ++sent;
        QNetworkRequest request(sim().url(u"/api/pems/pfa/PFA-10001?organizationCode=RIO"_s));
        request.setRawHeader("X-Api-Key", pfa::test::PemsSimProcess::defaultApiKey());
        QNetworkReply* reply = network.get(request);
        connect(reply, &QNetworkReply::finished, this, [&statuses, reply] {
            statuses.append(reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt());
            reply->deleteLater();
        });
    });
    pacer.start();
    QTRY_COMPARE_WITH_TIMEOUT(statuses.size(), Requests, 15000);
    QCOMPARE(statuses.count(200), Requests);

    const auto stats = sim().stats();
    QVERIFY_OK(stats);
    const int busiest = stats->at("maxRequestsInAnySecond").get<int>();
    QVERIFY2(busiest <= 10, qPrintable(QString::number(busiest)));
    QVERIFY2(busiest >= 5, qPrintable(QString::number(busiest)));
}

void TestPemsSimFaults::injectedErrorsFollowTheSeed()
{
    START_SIM({u"--generate"_s, u"1"_s});
    const Json plan = {{"seed", 42}, {"routes", {{"GET", {{"error500", 0.3}, {"error503", 0.2}}}}}};
    const auto run = [&] {
        QList<int> statuses;
        for (int i = 0; i < 100; ++i) {
            const HttpResult result = http().get(Rio, First);
            statuses.append(result.status);
            if (result.status >= 500) {
                if (result.json.at("success") != false ||
                    result.json.at("error") != (result.status == 500 ? "INTERNAL" : "UNAVAILABLE"))
                    statuses.append(-1); // a wrong body fails the comparison below
            }
        }
        return statuses;
    };
    QVERIFY_OK(sim().setFaults(plan));
    const QList<int> first = run();
    QVERIFY(!first.contains(-1));
    const auto count500 = first.count(500);
    const auto count503 = first.count(503);
    QCOMPARE(count500 + count503 + first.count(200), 100);
    QVERIFY2(count500 >= 15 && count500 <= 45, qPrintable(QString::number(count500)));
    QVERIFY2(count503 >= 5 && count503 <= 28, qPrintable(QString::number(count503)));

    // The same plan (same seed) again: the same statuses in the same order.
    QVERIFY_OK(sim().setFaults(plan));
    QCOMPARE(run(), first);

    // Other routes are untouched; clearing the plan ends the faults.
    QCOMPARE_STATUS(http().update(Rio, First, 1, {{"model", "X"}}), 200);
    QVERIFY_OK(sim().clearFaults());
    for (int i = 0; i < 20; ++i)
        QCOMPARE_STATUS(http().get(Rio, First), 200);
}

void TestPemsSimFaults::injected429CarriesRetryAfter()
{
    START_SIM({u"--generate"_s, u"1"_s});
    QVERIFY_OK(sim().setFaults({{"routes", {{"*", {{"error429", 1.0}}}}}}));
    const HttpResult seconds = http().update(Rio, First, 1, {{"model", "X"}});
    QCOMPARE_STATUS(seconds, 429);
    QCOMPARE(seconds.json.at("error"), "RATE_LIMITED");
    QCOMPARE(seconds.header("Retry-After"), QByteArray("1"));

    QVERIFY_OK(sim().setFaults(
        {{"retryAfterFormat", "http-date"}, {"routes", {{"*", {{"error429", 1.0}}}}}}));
    const HttpResult date = http().get(Rio, First);
    QCOMPARE_STATUS(date, 429);
    QVERIFY2(parseHttpDate(date.header("Retry-After")).isValid(),
             date.header("Retry-After").constData());

    const auto record = sim().record(Rio, First);
    QVERIFY_OK(record);
    QCOMPARE(record->at("version"), 1); // the injected 429 applied nothing
}

void TestPemsSimFaults::latencyDelaysTheAnswer()
{
    START_SIM({u"--generate"_s, u"1"_s});
    QVERIFY_OK(sim().setFaults({{"routes", {{"GET", {{"latencyMs", 400}}}}}}));
    const HttpResult slow = http().get(Rio, First);
    QCOMPARE_STATUS(slow, 200);
    QVERIFY2(slow.elapsedMs >= 400, qPrintable(QString::number(slow.elapsedMs)));
    QCOMPARE(slow.json.at("pfaId"), "PFA-10001");

    const auto stats = sim().stats();
    QVERIFY_OK(stats);
    QCOMPARE(stats->at("faults").at("delayed"), 1);
}

void TestPemsSimFaults::droppedConnectionLosesOnlyTheAnswer()
{
    START_SIM({u"--generate"_s, u"1"_s});
    QVERIFY_OK(sim().setFaults({{"routes", {{"PUT", {{"dropProbability", 1.0}}}}}}));
    const SimHttp::Options keyed{.idempotencyKey = "dropped-put"};
    const HttpResult dropped = http().update(Rio, First, 1, {{"model", "applied"}}, keyed);
    QVERIFY2(dropped.finished && dropped.error != QNetworkReply::NoError,
             dropped.describe().constData());

    // PEMS applied the write; only the answer was lost.
    const auto record = sim().record(Rio, First);
    QVERIFY_OK(record);
    QCOMPARE(record->at("version"), 2);

    // The client retries with the same key and learns the outcome without a second write.
    QVERIFY_OK(sim().clearFaults());
    const HttpResult retry = http().update(Rio, First, 1, {{"model", "applied"}}, keyed);
    QCOMPARE_STATUS(retry, 200);
    QCOMPARE(retry.json.at("newVersion"), 2);
    QCOMPARE(retry.header("Idempotent-Replayed"), QByteArray("true"));
    const auto key = sim().idempotency(u"dropped-put"_s);
    QVERIFY_OK(key);
    QCOMPARE(key->at("requests"), 2);
    QCOMPARE(key->at("applications"), 1);
    const auto stats = sim().stats();
    QVERIFY_OK(stats);
    QCOMPARE(stats->at("duplicateApplications"), 0);
    QCOMPARE(stats->at("faults").at("dropped"), 1);
}

void TestPemsSimFaults::hangLastsUntilTheClientGivesUp()
{
    START_SIM({u"--generate"_s, u"1"_s});
    QVERIFY_OK(sim().setFaults({{"routes", {{"GET", {{"hangProbability", 1.0}}}}}}));
    const HttpResult hung = http().get(Rio, First, {.timeoutMs = 700});
    QVERIFY2(hung.finished, "the client's own timeout did not fire");
    QVERIFY2(hung.error != QNetworkReply::NoError && hung.status == 0, hung.describe().constData());
    // Qt's coarse timers may fire up to 5 % early.
    QVERIFY2(hung.elapsedMs >= 650, qPrintable(QString::number(hung.elapsedMs)));

    const auto stats = sim().stats();
    QVERIFY_OK(stats);
    QCOMPARE(stats->at("faults").at("hung"), 1);
    QVERIFY_OK(sim().clearFaults());
    QCOMPARE_STATUS(http().get(Rio, First), 200); // the server itself never stalled
}

void TestPemsSimFaults::badFaultPlanIsRefused()
{
    START_SIM({});
    const QList<QPair<Json, QString>> plans = {
        {{{"routes", {{"PUT", {{"error500", 1.5}}}}}}, u"routes.PUT.error500"_s},
        {{{"routes", {{"PATCH", {{"error500", 0.5}}}}}}, u"routes.PATCH"_s},
        {{{"routes", {{"GET", {{"latencyMs", -1}}}}}}, u"routes.GET.latencyMs"_s},
        {{{"retryAfterFormat", "minutes"}}, u"retryAfterFormat"_s},
        {{{"chaos", true}}, u"chaos"_s},
    };
    for (const auto& [plan, field] : plans) {
        const auto reply = sim().admin("PUT", u"/__admin/faults"_s, plan);
        QVERIFY_OK(reply);
        QCOMPARE(reply->status, 400);
        QCOMPARE(reply->body.at("error"), "VALIDATION_ERROR");
        QCOMPARE(QString::fromStdString(reply->body.at("fields")[0].at("field").get<std::string>()),
                 field);
    }

    const Json plan = {{"seed", 7},
                       {"retryAfterFormat", "http-date"},
                       {"routes", {{"*", {{"latencyMs", 5}}}, {"PUT", {{"error503", 0.5}}}}}};
    QVERIFY_OK(sim().setFaults(plan));
    const auto shown = sim().admin("GET", u"/__admin/faults"_s);
    QVERIFY_OK(shown);
    QCOMPARE(shown->body, plan);
    QVERIFY_OK(sim().clearFaults());
    const auto cleared = sim().admin("GET", u"/__admin/faults"_s);
    QVERIFY_OK(cleared);
    QVERIFY(cleared->body.at("routes").empty());
}

QTEST_GUILESS_MAIN(TestPemsSimFaults)
#include "tst_pemssim_faults.moc"
