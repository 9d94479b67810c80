// PemsClient against a real pems-sim process over HTTP on 127.0.0.1 (ephemeral port): one test per
// outcome the worker handles, plus reads, health, idempotent replay and the client's own rules
// (timeouts, masking, no callback after destruction). Nothing is mocked.
#include "SimTestCase.h"

#include "pems/JsonDialect.h"
#include "pems/PemsClient.h"
#include "support/LogCapture.h"

#include <QLoggingCategory>
#include <QNetworkAccessManager>
#include <QNetworkProxy>
#include <QTcpServer>

#include <algorithm>
#include <memory>
#include <optional>
#include <set>

using namespace Qt::StringLiterals;
using namespace pfa;
using namespace pfa::pems;
using model::FailureClass;
using model::PfaField;
using pfa::test::PemsSimProcess;
using Json = nlohmann::json;
using std::chrono::milliseconds;

using pfa::test::LogCapture;

namespace {

const QString Rio = u"RIO"_s;
const QString Hou = u"HOU"_s;
const QString First = u"PFA-10001"_s;
constexpr int WaitMs = 15000; // bound for any one answer

UpdateRequest describe(const QString& pfaId, qint64 version, const QString& text,
                       const QString& organizationCode = Rio)
{
    UpdateRequest request;
    request.pfaId = pfaId;
    request.organizationCode = organizationCode;
    request.changes = {{PfaField::Description, text}};
    request.version = version;
    request.modifiedBy = u"e2e@example.com"_s;
    request.changeReason = u"tst_pemsclient"_s;
    return request;
}

template<typename T>
struct Answer
{
    T outcome;
    ExchangeInfo info;
};

} // namespace

// A failure of the expected kind, or the test fails showing what came instead.
#define QVERIFY_FAILURE(Kind, var, outcome)                                                        \
    QVERIFY2(!(outcome).has_value(), "expected a failure, got a value");                           \
    QVERIFY2(std::holds_alternative<Kind>((outcome).error()),                                      \
             qPrintable(u"expected " #Kind ", got "_s + pfa::pems::describe((outcome).error())));  \
    const Kind& var = std::get<Kind>((outcome).error())

#define QVERIFY_SUCCESS(outcome)                                                                   \
    QVERIFY2(                                                                                      \
        (outcome).has_value(),                                                                     \
        qPrintable((outcome).has_value() ? QString() : pfa::pems::describe((outcome).error())))

class TestPemsClient final : public pfa::test::SimTestCase
{
    Q_OBJECT

private Q_SLOTS:
    void init();
    void cleanup();

    void updateSucceeds();
    void removeSucceeds();
    void replayedIdempotencyKeyGivesTheFirstAnswer();
    void versionConflictCarriesConflictingFields();
    void validationErrorNamesTheFields();
    void unknownRecordIsNotFound();
    void wrongKeyIsUnauthorized();
    void otherOrganizationIsForbidden();
    void rateLimitedWithRetryAfterSeconds();
    void rateLimitedWithRetryAfterHttpDate();
    void simsOwnRateLimitIsRateLimited();
    void serviceUnavailableIsTransient();
    void hangPastTheTimeoutIsTransientTimeout();
    void droppedConnectionIsTransient();
    void bodyThatIsNotJsonIsTransient();
    void connectionRefusedIsTransient();
    void getReturnsTheRecord();
    void listPagesThroughEveryRecord();
    void listShowsTombstones();
    void healthReportsLatency();
    void bearerAuthentication();
    void manyRequestsInFlight();
    void keyNeverAppearsInLogs();
    void noCallbackAfterClientDestroyed();

private:
    [[nodiscard]] std::unique_ptr<PemsClient>
    makeClient(const QByteArray& key = "sim-key", milliseconds timeout = milliseconds(10000));
    [[nodiscard]] PemsConfig configFor(const QByteArray& key, milliseconds timeout) const;

    // Each sends one request and waits (bounded) for its callback; nullopt when none came.
    std::optional<Answer<WriteOutcome>> update(PemsClient& client, const UpdateRequest& request,
                                               const QUuid& key = QUuid::createUuid());
    std::optional<Answer<WriteOutcome>> remove(PemsClient& client, const RemoveRequest& request,
                                               const QUuid& key = QUuid::createUuid());
    std::optional<Answer<RecordOutcome>> get(PemsClient& client, const QString& pfaId,
                                             const QString& organizationCode = Rio);
    std::optional<Answer<PageOutcome>> list(PemsClient& client, const ListQuery& query);
    std::optional<PemsHealth> health(PemsClient& client);

    std::unique_ptr<QNetworkAccessManager> m_network;
};

void TestPemsClient::init()
{
    m_network = std::make_unique<QNetworkAccessManager>();
    m_network->setProxy(QNetworkProxy::NoProxy); // loopback only, whatever the environment says
}

void TestPemsClient::cleanup()
{
    m_network.reset();
    stopSim();
}

PemsConfig TestPemsClient::configFor(const QByteArray& key, milliseconds timeout) const
{
    PemsConfig config;
    config.baseUrl = m_sim ? m_sim->baseUrl() : QUrl(u"http://127.0.0.1:9"_s);
    config.apiKey = QString::fromLatin1(key);
    config.timeout = timeout;
    return config;
}

std::unique_ptr<PemsClient> TestPemsClient::makeClient(const QByteArray& key, milliseconds timeout)
{
    return std::make_unique<PemsClient>(m_network.get(), configFor(key, timeout),
                                        std::make_unique<JsonDialect>());
}

std::optional<Answer<WriteOutcome>>
TestPemsClient::update(PemsClient& client, const UpdateRequest& request, const QUuid& key)
{
    std::optional<Answer<WriteOutcome>> answer;
    client.update(request, key, this,
                  [&](WriteOutcome outcome, ExchangeInfo info) { answer.emplace(outcome, info); });
    (void)QTest::qWaitFor([&] { return answer.has_value(); }, WaitMs);
    return answer;
}

std::optional<Answer<WriteOutcome>>
TestPemsClient::remove(PemsClient& client, const RemoveRequest& request, const QUuid& key)
{
    std::optional<Answer<WriteOutcome>> answer;
    client.remove(request, key, this,
                  [&](WriteOutcome outcome, ExchangeInfo info) { answer.emplace(outcome, info); });
    (void)QTest::qWaitFor([&] { return answer.has_value(); }, WaitMs);
    return answer;
}

std::optional<Answer<RecordOutcome>> TestPemsClient::get(PemsClient& client, const QString& pfaId,
                                                         const QString& organizationCode)
{
    std::optional<Answer<RecordOutcome>> answer;
    client.get(RecordKey{pfaId, organizationCode}, this,
               [&](RecordOutcome outcome, ExchangeInfo info) { answer.emplace(outcome, info); });
    (void)QTest::qWaitFor([&] { return answer.has_value(); }, WaitMs);
    return answer;
}

std::optional<Answer<PageOutcome>> TestPemsClient::list(PemsClient& client, const ListQuery& query)
{
    std::optional<Answer<PageOutcome>> answer;
    client.list(query, this,
                [&](PageOutcome outcome, ExchangeInfo info) { answer.emplace(outcome, info); });
    (void)QTest::qWaitFor([&] { return answer.has_value(); }, WaitMs);
    return answer;
}

std::optional<PemsHealth> TestPemsClient::health(PemsClient& client)
{
    std::optional<PemsHealth> answer;
    client.health(this, [&](PemsHealth health) { answer = std::move(health); });
    (void)QTest::qWaitFor([&] { return answer.has_value(); }, WaitMs);
    return answer;
}

void TestPemsClient::updateSucceeds()
{
    START_SIM({u"--generate"_s, u"2"_s});
    auto client = makeClient();
    const QDateTime before = QDateTime::currentDateTimeUtc().addSecs(-1);

    const auto answer = update(*client, describe(First, 1, u"from pfa-sync"_s));
    QVERIFY(answer);
    QVERIFY_SUCCESS(answer->outcome);
    QCOMPARE(answer->outcome->pfaId, First);
    QCOMPARE(answer->outcome->newVersion, 2);
    QVERIFY(!answer->outcome->replayed);
    QVERIFY(!answer->outcome->deleted);
    QVERIFY(answer->outcome->updatedAt >= before);
    QCOMPARE(answer->info.httpStatus, 200);
    QVERIFY(answer->info.duration >= milliseconds(0));
    QCOMPARE(client->inFlightCount(), 0);

    const auto record = sim().record(Rio, First);
    QVERIFY_OK(record);
    QCOMPARE(record->at("version"), 2);
    QCOMPARE(record->at("data").at("description"), "from pfa-sync");
}

void TestPemsClient::removeSucceeds()
{
    START_SIM({u"--generate"_s, u"2"_s});
    auto client = makeClient();
    const auto answer = remove(*client, RemoveRequest{First, Rio, 1, u"e2e"_s, u"retired"_s});
    QVERIFY(answer);
    QVERIFY_SUCCESS(answer->outcome);
    QVERIFY(answer->outcome->deleted);
    QCOMPARE(answer->outcome->newVersion, 2);

    // pems-sim answers a GET of a tombstone with 404; the list shows it as deleted.
    const auto gone = get(*client, First);
    QVERIFY(gone);
    QVERIFY(!gone->outcome);
    QVERIFY(isNotFound(gone->outcome.error()));
    const auto record = sim().record(Rio, First);
    QVERIFY_OK(record);
    QCOMPARE(record->at("deleted"), true);

    // Deleting a stale version is a conflict, like a stale update.
    const auto stale = remove(*client, RemoveRequest{u"PFA-10002"_s, Rio, 5, {}, {}});
    QVERIFY(stale);
    QVERIFY_FAILURE(VersionConflict, conflict, stale->outcome);
    QCOMPARE(conflict.currentVersion, 1);
    QCOMPARE(conflict.expectedVersion, 5);
}

void TestPemsClient::replayedIdempotencyKeyGivesTheFirstAnswer()
{
    START_SIM({u"--generate"_s, u"1"_s});
    auto client = makeClient();
    const QUuid key = QUuid::createUuid();
    const UpdateRequest request = describe(First, 1, u"once"_s);

    const auto first = update(*client, request, key);
    QVERIFY(first);
    QVERIFY_SUCCESS(first->outcome);
    QVERIFY(!first->outcome->replayed);

    const auto again = update(*client, request, key);
    QVERIFY(again);
    QVERIFY_SUCCESS(again->outcome);
    QVERIFY(again->outcome->replayed);
    QCOMPARE(again->outcome->newVersion, first->outcome->newVersion);
    QCOMPARE(again->outcome->updatedAt, first->outcome->updatedAt);

    const auto stats = sim().idempotency(key.toString(QUuid::WithoutBraces));
    QVERIFY_OK(stats);
    QCOMPARE(stats->at("requests"), 2);
    QCOMPARE(stats->at("applications"), 1);
    const auto record = sim().record(Rio, First);
    QVERIFY_OK(record);
    QCOMPARE(record->at("version"), 2);
}

void TestPemsClient::versionConflictCarriesConflictingFields()
{
    START_SIM({u"--generate"_s, u"1"_s});
    auto client = makeClient();
    // Someone edits the record in PEMS first.
    const auto edited =
        sim().editRecord(Rio, First, {{"description", "changed in PEMS"}, {"model", "X9"}});
    QVERIFY_OK(edited);
    QCOMPARE(*edited, 2);

    const auto answer = update(*client, describe(First, 1, u"changed in pfa-sync"_s));
    QVERIFY(answer);
    QVERIFY_FAILURE(VersionConflict, conflict, answer->outcome);
    QCOMPARE(conflict.currentVersion, 2);
    QCOMPARE(conflict.expectedVersion, 1);
    const std::set<PfaField> fields(conflict.conflictingFields.begin(),
                                    conflict.conflictingFields.end());
    QCOMPARE(fields, (std::set<PfaField>{PfaField::Model, PfaField::Description}));
    QVERIFY(conflict.unknownConflictingFields.isEmpty());
    QVERIFY(!conflict.message.isEmpty());
    QCOMPARE(answer->info.httpStatus, 409);
    QCOMPARE(failureClass(answer->outcome.error()), FailureClass::Conflict);

    // Nothing was applied; based on the current version the same change goes through.
    const auto rebased = update(*client, describe(First, 2, u"changed in pfa-sync"_s));
    QVERIFY(rebased);
    QVERIFY_SUCCESS(rebased->outcome);
    QCOMPARE(rebased->outcome->newVersion, 3);
}

void TestPemsClient::validationErrorNamesTheFields()
{
    START_SIM({u"--generate"_s, u"1"_s});
    auto client = makeClient();
    UpdateRequest request = describe(First, 1, u"x"_s);
    request.changes = {{PfaField::Source, u"Lease"_s}};
    const auto badEnum = update(*client, request);
    QVERIFY(badEnum);
    QVERIFY_FAILURE(Permanent, invalid, badEnum->outcome);
    QCOMPARE(invalid.httpStatus, 400);
    QCOMPARE(invalid.errorCode, u"VALIDATION_ERROR"_s);
    QVERIFY(!invalid.fieldErrors.empty());
    QCOMPARE(invalid.fieldErrors.front().field, u"source"_s);
    QCOMPARE(invalid.fieldErrors.front().pfaField, PfaField::Source);
    QCOMPARE(invalid.fieldErrors.front().rule, u"enum"_s);
    QCOMPARE(failureClass(badEnum->outcome.error()), FailureClass::Validation);
    QCOMPARE(toError(badEnum->outcome.error()).field, u"source"_s);

    request.changes = {
        {PfaField::ForecastStart, QDateTime(QDate(2030, 1, 1), QTime(0, 0), Qt::UTC)},
        {PfaField::ForecastEnd, QDateTime(QDate(2029, 1, 1), QTime(0, 0), Qt::UTC)},
    };
    const auto dates = update(*client, request);
    QVERIFY(dates);
    QVERIFY_FAILURE(Permanent, order, dates->outcome);
    QCOMPARE(order.httpStatus, 400);
    QCOMPARE(order.fieldErrors.front().pfaField, PfaField::ForecastEnd);

    const auto record = sim().record(Rio, First);
    QVERIFY_OK(record);
    QCOMPARE(record->at("version"), 1); // nothing applied
}

void TestPemsClient::unknownRecordIsNotFound()
{
    START_SIM({u"--generate"_s, u"1"_s});
    auto client = makeClient();
    const auto write = update(*client, describe(u"PFA-99999"_s, 1, u"x"_s));
    QVERIFY(write);
    QVERIFY_FAILURE(Permanent, notFound, write->outcome);
    QCOMPARE(notFound.httpStatus, 404);
    QCOMPARE(notFound.errorCode, u"NOT_FOUND"_s);
    QVERIFY(isNotFound(write->outcome.error()));

    const auto read = get(*client, u"PFA-99999"_s);
    QVERIFY(read);
    QVERIFY(!read->outcome);
    QVERIFY(isNotFound(read->outcome.error()));
    QCOMPARE(read->info.httpStatus, 404);

    const auto gone = remove(*client, RemoveRequest{u"PFA-99999"_s, Rio, 1, {}, {}});
    QVERIFY(gone);
    QVERIFY(!gone->outcome);
    QVERIFY(isNotFound(gone->outcome.error()));
}

void TestPemsClient::wrongKeyIsUnauthorized()
{
    START_SIM({u"--generate"_s, u"1"_s});
    auto client = makeClient("not-the-key");
    const auto write = update(*client, describe(First, 1, u"x"_s));
    QVERIFY(write);
    QVERIFY_FAILURE(Unauthorized, refused, write->outcome);
    QCOMPARE(refused.httpStatus, 401);
    QVERIFY(!refused.message.isEmpty());
    QCOMPARE(failureClass(write->outcome.error()), FailureClass::Auth);

    const auto read = list(*client, ListQuery{Rio});
    QVERIFY(read);
    QVERIFY_FAILURE(Unauthorized, listRefused, read->outcome);
    QCOMPARE(listRefused.httpStatus, 401);

    const auto record = sim().record(Rio, First);
    QVERIFY_OK(record);
    QCOMPARE(record->at("version"), 1);
}

void TestPemsClient::otherOrganizationIsForbidden()
{
    START_SIM(
        {u"--generate"_s, u"1"_s, u"--orgs"_s, u"RIO,HOU"_s, u"--api-key"_s, u"hou-key=HOU"_s});
    auto client = makeClient("hou-key");
    const auto write = update(*client, describe(First, 1, u"x"_s, Rio));
    QVERIFY(write);
    QVERIFY_FAILURE(Unauthorized, forbidden, write->outcome);
    QCOMPARE(forbidden.httpStatus, 403);
    QCOMPARE(toError(write->outcome.error()).code, ErrorCode::Forbidden);

    const auto own = update(*client, describe(First, 1, u"x"_s, Hou));
    QVERIFY(own);
    QVERIFY_SUCCESS(own->outcome);
}

void TestPemsClient::rateLimitedWithRetryAfterSeconds()
{
    START_SIM({u"--generate"_s, u"1"_s});
    QVERIFY_OK(sim().setFaults({{"routes", {{"PUT", {{"error429", 1.0}}}}}}));
    auto client = makeClient();
    const auto answer = update(*client, describe(First, 1, u"x"_s));
    QVERIFY(answer);
    QVERIFY_FAILURE(RateLimited, limited, answer->outcome);
    QVERIFY(limited.retryAfterFromServer);
    QCOMPARE(limited.retryAfter, milliseconds(1000)); // pems-sim says "Retry-After: 1"
    QCOMPARE(answer->info.httpStatus, 429);
    QCOMPARE(failureClass(answer->outcome.error()), FailureClass::RateLimit);
}

void TestPemsClient::rateLimitedWithRetryAfterHttpDate()
{
    START_SIM({u"--generate"_s, u"1"_s});
    QVERIFY_OK(sim().setFaults(
        {{"retryAfterFormat", "http-date"}, {"routes", {{"PUT", {{"error429", 1.0}}}}}}));
    auto client = makeClient();
    const auto answer = update(*client, describe(First, 1, u"x"_s));
    QVERIFY(answer);
    QVERIFY_FAILURE(RateLimited, limited, answer->outcome);
    QVERIFY(limited.retryAfterFromServer);
    // Whole seconds on the wire, measured against the server's Date or our clock: 0..2 s.
    QVERIFY2(limited.retryAfter >= milliseconds(0) && limited.retryAfter <= milliseconds(2000),
             qPrintable(QString::number(limited.retryAfter.count())));
}

void TestPemsClient::simsOwnRateLimitIsRateLimited()
{
    START_SIM({u"--generate"_s, u"1"_s, u"--rate-limit"_s, u"2"_s});
    auto client = makeClient();
    // Six reads at once against a limit of two per second: some are turned away.
    int answers = 0;
    std::vector<RateLimited> limited;
    for (int i = 0; i < 6; ++i) {
        client->get(RecordKey{First, Rio}, this, [&](RecordOutcome outcome, ExchangeInfo) {
            ++answers;
            if (!outcome && std::holds_alternative<RateLimited>(outcome.error()))
                limited.push_back(std::get<RateLimited>(outcome.error()));
        });
    }
    QTRY_COMPARE_WITH_TIMEOUT(answers, 6, WaitMs);
    QVERIFY(!limited.empty());
    for (const RateLimited& one : limited) {
        QVERIFY(one.retryAfterFromServer);
        QVERIFY(one.retryAfter > milliseconds(0) && one.retryAfter <= milliseconds(2000));
    }
}

void TestPemsClient::serviceUnavailableIsTransient()
{
    START_SIM({u"--generate"_s, u"1"_s});
    QVERIFY_OK(sim().setFaults(
        {{"routes", {{"PUT", {{"error503", 1.0}}}, {"GET", {{"error500", 1.0}}}}}}));
    auto client = makeClient();
    const auto write = update(*client, describe(First, 1, u"x"_s));
    QVERIFY(write);
    QVERIFY_FAILURE(Transient, unavailable, write->outcome);
    QCOMPARE(unavailable.cause, TransientCause::ServerError);
    QCOMPARE(unavailable.httpStatus, 503);
    QCOMPARE(write->info.httpStatus, 503);
    QCOMPARE(failureClass(write->outcome.error()), FailureClass::Transient);

    const auto read = get(*client, First);
    QVERIFY(read);
    QVERIFY_FAILURE(Transient, internal, read->outcome);
    QCOMPARE(internal.httpStatus, 500);
}

void TestPemsClient::hangPastTheTimeoutIsTransientTimeout()
{
    START_SIM({u"--generate"_s, u"1"_s});
    QVERIFY_OK(sim().setFaults({{"routes", {{"PUT", {{"hangProbability", 1.0}}}}}}));
    auto client = makeClient("sim-key", milliseconds(500));
    const QUuid key = QUuid::createUuid();
    const UpdateRequest request = describe(First, 1, u"answer lost"_s);

    const auto hung = update(*client, request, key);
    QVERIFY(hung);
    QVERIFY_FAILURE(Transient, timeout, hung->outcome);
    QCOMPARE(timeout.cause, TransientCause::Timeout);
    QVERIFY2(timeout.message.contains(u"timeout"_s), qPrintable(timeout.message));
    QVERIFY2(timeout.message.contains(u"500 ms"_s), qPrintable(timeout.message));
    QCOMPARE(hung->info.httpStatus, 0);
    // Qt's coarse timers may fire up to 5 % early; well before the 15 s bound.
    QVERIFY2(hung->info.duration >= milliseconds(475) && hung->info.duration < milliseconds(5000),
             qPrintable(QString::number(hung->info.duration.count())));
    QCOMPARE(client->inFlightCount(), 0);

    // PEMS had applied it; the retry with the same key learns the outcome, applying nothing twice.
    QVERIFY_OK(sim().clearFaults());
    const auto retry = update(*client, request, key);
    QVERIFY(retry);
    QVERIFY_SUCCESS(retry->outcome);
    QVERIFY(retry->outcome->replayed);
    QCOMPARE(retry->outcome->newVersion, 2);
    const auto stats = sim().stats();
    QVERIFY_OK(stats);
    QCOMPARE(stats->at("duplicateApplications"), 0);
}

void TestPemsClient::droppedConnectionIsTransient()
{
    START_SIM({u"--generate"_s, u"1"_s});
    QVERIFY_OK(sim().setFaults({{"routes", {{"PUT", {{"dropProbability", 1.0}}}}}}));
    auto client = makeClient();
    const QUuid key = QUuid::createUuid();
    const UpdateRequest request = describe(First, 1, u"answer cut short"_s);

    const auto dropped = update(*client, request, key);
    QVERIFY(dropped);
    QVERIFY_FAILURE(Transient, closed, dropped->outcome);
    QCOMPARE(closed.cause, TransientCause::ConnectionClosed);
    QCOMPARE(failureClass(dropped->outcome.error()), FailureClass::Transient);

    QVERIFY_OK(sim().clearFaults());
    const auto retry = update(*client, request, key);
    QVERIFY(retry);
    QVERIFY_SUCCESS(retry->outcome);
    QVERIFY(retry->outcome->replayed);
    QCOMPARE(retry->outcome->newVersion, 2);
    const auto applied = sim().idempotency(key.toString(QUuid::WithoutBraces));
    QVERIFY_OK(applied);
    QCOMPARE(applied->at("applications"), 1);
}

void TestPemsClient::bodyThatIsNotJsonIsTransient()
{
    // A 200 whose body is an HTML page: the write may have happened, so the only safe reading is
    // "transient" — the retry with the same key then gets PEMS' stored answer.
    START_SIM({u"--generate"_s, u"1"_s});
    QVERIFY_OK(sim().setFaults({{"routes", {{"PUT", {{"garbleProbability", 1.0}}}}}}));
    auto client = makeClient();
    const QUuid key = QUuid::createUuid();
    const UpdateRequest request = describe(First, 1, u"answer mangled by a proxy"_s);

    const auto garbled = update(*client, request, key);
    QVERIFY(garbled);
    QCOMPARE(garbled->info.httpStatus, 200);
    QVERIFY_FAILURE(Transient, mangled, garbled->outcome);
    QCOMPARE(mangled.cause, TransientCause::MalformedResponse);
    QCOMPARE(failureClass(garbled->outcome.error()), FailureClass::Transient);

    QVERIFY_OK(sim().clearFaults());
    const auto retry = update(*client, request, key);
    QVERIFY(retry);
    QVERIFY_SUCCESS(retry->outcome);
    QVERIFY(retry->outcome->replayed);
    QCOMPARE(retry->outcome->newVersion, 2);
    const auto applied = sim().idempotency(key.toString(QUuid::WithoutBraces));
    QVERIFY_OK(applied);
    QCOMPARE(applied->at("applications"), 1);
}

void TestPemsClient::connectionRefusedIsTransient()
{
    // A port that was free a moment ago: nothing listens there.
    QTcpServer probe;
    QVERIFY(probe.listen(QHostAddress::LocalHost, 0));
    const quint16 port = probe.serverPort();
    probe.close();

    PemsConfig config = configFor("sim-key", milliseconds(5000));
    config.baseUrl = QUrl(u"http://127.0.0.1:%1"_s.arg(port));
    PemsClient client(m_network.get(), config, std::make_unique<JsonDialect>());
    const auto answer = update(client, describe(First, 1, u"x"_s));
    QVERIFY(answer);
    QVERIFY_FAILURE(Transient, refused, answer->outcome);
    QCOMPARE(refused.cause, TransientCause::ConnectionRefused);
    QCOMPARE(answer->info.httpStatus, 0);

    const auto checked = health(client);
    QVERIFY(checked);
    QVERIFY(!checked->healthy);
    QVERIFY(checked->failure);
    QCOMPARE(std::get<Transient>(*checked->failure).cause, TransientCause::ConnectionRefused);
}

void TestPemsClient::getReturnsTheRecord()
{
    START_SIM({u"--generate"_s, u"3"_s});
    auto client = makeClient();
    const auto answer = get(*client, u"PFA-10002"_s);
    QVERIFY(answer);
    QVERIFY_SUCCESS(answer->outcome);
    const PemsRecord& record = answer->outcome.value();
    QCOMPARE(record.pfaId, u"PFA-10002"_s);
    QCOMPARE(record.organizationCode, Rio);
    QCOMPARE(record.version, 1);
    QVERIFY(!record.deleted);
    QVERIFY(record.updatedAt.isValid());
    QVERIFY(record.unknownFields.isEmpty());

    // The typed data equals what pems-sim holds, field by field.
    const auto held = sim().record(Rio, u"PFA-10002"_s);
    QVERIFY_OK(held);
    const auto expected = model::fieldMapFromJson(held->at("data"));
    QVERIFY(expected);
    QCOMPARE(record.data.size(), expected->size());
    QVERIFY(record.data == *expected);
    QVERIFY(std::holds_alternative<QString>(model::valueOf(record.data, PfaField::Source)));
}

void TestPemsClient::listPagesThroughEveryRecord()
{
    START_SIM({u"--generate"_s, u"7"_s});
    auto client = makeClient();
    QStringList seen;
    ListQuery query{Rio, std::nullopt, 3, {}};
    int pages = 0;
    for (; pages < 10; ++pages) {
        const auto answer = list(*client, query);
        QVERIFY(answer);
        QVERIFY_SUCCESS(answer->outcome);
        QVERIFY(answer->outcome->records.size() <= 3);
        for (const PemsRecord& record : answer->outcome->records) {
            QCOMPARE(record.organizationCode, Rio);
            seen.append(record.pfaId);
        }
        if (!answer->outcome->nextCursor)
            break;
        query.cursor = *answer->outcome->nextCursor;
    }
    QCOMPARE(pages + 1, 3);
    QCOMPARE(seen.size(), 7);
    seen.removeDuplicates();
    QCOMPARE(seen.size(), 7);
}

void TestPemsClient::listShowsTombstones()
{
    START_SIM({u"--generate"_s, u"3"_s});
    auto client = makeClient();
    const auto all = list(*client, ListQuery{Rio});
    QVERIFY(all);
    QVERIFY_SUCCESS(all->outcome);
    QDateTime watermark;
    for (const PemsRecord& record : all->outcome->records)
        watermark = std::max(watermark, record.updatedAt);

    QVERIFY_OK(sim().deleteRecord(Rio, u"PFA-10003"_s));
    const auto changes = list(*client, ListQuery{Rio, watermark.addMSecs(1), 0, {}});
    QVERIFY(changes);
    QVERIFY_SUCCESS(changes->outcome);
    QCOMPARE(changes->outcome->records.size(), std::size_t(1));
    QCOMPARE(changes->outcome->records[0].pfaId, u"PFA-10003"_s);
    QVERIFY(changes->outcome->records[0].deleted);
    QCOMPARE(changes->outcome->nextCursor, std::nullopt);
}

void TestPemsClient::healthReportsLatency()
{
    START_SIM({u"--generate"_s, u"1"_s});
    QVERIFY_OK(sim().setFaults({{"routes", {{"HEALTH", {{"latencyMs", 200}}}}}}));
    auto client = makeClient();
    const auto checked = health(*client);
    QVERIFY(checked);
    QVERIFY(checked->healthy);
    QCOMPARE(checked->status, u"ok"_s);
    QCOMPARE(checked->httpStatus, 200);
    QVERIFY(!checked->failure);
    QVERIFY2(checked->latency >= milliseconds(190),
             qPrintable(QString::number(checked->latency.count())));
}

void TestPemsClient::bearerAuthentication()
{
    START_SIM({u"--generate"_s, u"1"_s});
    PemsConfig config = configFor("sim-key", milliseconds(10000));
    config.authScheme = PemsConfig::AuthScheme::Bearer;
    PemsClient client(m_network.get(), config, std::make_unique<JsonDialect>());
    const auto ok = get(client, First);
    QVERIFY(ok);
    QVERIFY_SUCCESS(ok->outcome);

    config.apiKey = u"wrong"_s;
    PemsClient wrong(m_network.get(), config, std::make_unique<JsonDialect>());
    const auto refused = get(wrong, First);
    QVERIFY(refused);
    QVERIFY_FAILURE(Unauthorized, unauthorized, refused->outcome);
    QCOMPARE(unauthorized.httpStatus, 401);
}

void TestPemsClient::manyRequestsInFlight()
{
    // More requests at once than the manager's six connections per host: the rest queue, and
    // every one is answered.
    constexpr int Count = 40;
    START_SIM({u"--generate"_s, QString::number(Count)});
    auto client = makeClient();
    int succeeded = 0;
    int answered = 0;
    for (int i = 0; i < Count; ++i) {
        client->update(describe(u"PFA-%1"_s.arg(10001 + i), 1, u"bulk"_s), QUuid::createUuid(),
                       this, [&](WriteOutcome outcome, ExchangeInfo) {
                           ++answered;
                           if (outcome && outcome->newVersion == 2)
                               ++succeeded;
                       });
    }
    QCOMPARE(client->inFlightCount(), Count);
    QTRY_COMPARE_WITH_TIMEOUT(answered, Count, WaitMs);
    QCOMPARE(succeeded, Count);
    QCOMPARE(client->inFlightCount(), 0);
    const auto stats = sim().stats();
    QVERIFY_OK(stats);
    QCOMPARE(stats->at("writesApplied"), Count);
}

void TestPemsClient::keyNeverAppearsInLogs()
{
    START_SIM({u"--generate"_s, u"1"_s, u"--api-key"_s, u"s3cret-e2e-key"_s});
    QLoggingCategory::setFilterRules(u"pfa.pems.debug=true"_s);
    QStringList lines;
    {
        LogCapture log;
        auto client = makeClient("s3cret-e2e-key");
        QVERIFY(update(*client, describe(First, 1, u"logged"_s)));
        QVERIFY(update(*client, describe(First, 1, u"stale"_s))); // 409
        QVERIFY(get(*client, u"PFA-404"_s));                      // 404
        QVERIFY(health(*client));
        auto wrong = makeClient("s3cret-e2e-key-but-wrong");
        QVERIFY(update(*wrong, describe(First, 2, u"refused"_s))); // 401
        lines = log.lines();
    }
    QLoggingCategory::setFilterRules(QString());

    QCOMPARE(lines.size(), 5); // one line per request
    for (const QString& line : lines) {
        QVERIFY2(!line.contains(u"s3cret"_s), qPrintable(line));
        QVERIFY2(line.contains(u"X-Api-Key: ***"_s), qPrintable(line));
    }
    QVERIFY2(lines[0].startsWith(u"update PUT /api/pems/pfa/PFA-10001 -> 200 in "_s),
             qPrintable(lines[0]));
    QVERIFY2(lines[0].contains(u"success v2"_s), qPrintable(lines[0]));
    QVERIFY2(lines[0].contains(u"Idempotency-Key: "_s), qPrintable(lines[0]));
    QVERIFY2(lines[1].contains(u"-> 409"_s) && lines[1].contains(u"version_conflict"_s),
             qPrintable(lines[1]));
    QVERIFY2(lines[2].startsWith(u"get GET /api/pems/pfa/PFA-404?organizationCode=RIO -> 404"_s),
             qPrintable(lines[2]));
    QVERIFY2(lines[4].contains(u"-> 401"_s) && lines[4].contains(u"unauthorized"_s),
             qPrintable(lines[4]));
}

void TestPemsClient::noCallbackAfterClientDestroyed()
{
    START_SIM({u"--generate"_s, u"3"_s});
    QVERIFY_OK(sim().setFaults({{"routes", {{"PUT", {{"latencyMs", 300}}}}}}));
    auto client = makeClient();
    int calls = 0;
    client->update(describe(First, 1, u"x"_s), QUuid::createUuid(), this,
                   [&](WriteOutcome, ExchangeInfo) { ++calls; });
    client->update(describe(u"PFA-10002"_s, 1, u"y"_s), QUuid::createUuid(), nullptr,
                   [&](WriteOutcome, ExchangeInfo) { ++calls; });
    QCOMPARE(client->inFlightCount(), 2);
    // Both arrived and were applied; their answers are held back by the latency.
    QVERIFY(QTest::qWaitFor(
        [&] {
            const auto stats = sim().stats();
            return stats && stats->at("writesApplied").get<int>() == 2;
        },
        WaitMs));
    QCOMPARE(calls, 0);
    client.reset(); // aborts both

    // A later request on a fresh client is answered after the aborted ones would have been.
    auto witness = makeClient();
    const auto after = update(*witness, describe(u"PFA-10003"_s, 1, u"z"_s));
    QVERIFY(after);
    QVERIFY_SUCCESS(after->outcome);
    QCoreApplication::processEvents();
    QCOMPARE(calls, 0);
}

QTEST_GUILESS_MAIN(TestPemsClient)
#include "tst_pemsclient.moc"
