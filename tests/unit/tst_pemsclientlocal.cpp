// PemsClient behaviour that needs no server: requests it refuses before sending, and the rules
// for when a callback may run. The client against a real pems-sim is tests/e2e/tst_pemsclient.
#include "pems/JsonDialect.h"
#include "pems/PemsClient.h"

#include "support/LogCapture.h"
#include <QLoggingCategory>
#include <QNetworkAccessManager>

#include <QTest>

#include <memory>

using namespace Qt::StringLiterals;
using namespace pfa;
using namespace pfa::pems;

using pfa::test::LogCapture;

namespace {

const QString Key = u"sekret-key-0123456789"_s;

PemsConfig validConfig()
{
    PemsConfig config;
    // Nothing listens there, and no test here gets as far as sending.
    config.baseUrl = QUrl(u"http://127.0.0.1:9"_s);
    config.apiKey = Key;
    return config;
}

UpdateRequest sampleUpdate()
{
    UpdateRequest request;
    request.pfaId = u"PFA-1"_s;
    request.organizationCode = u"RIO"_s;
    request.changes = {{model::PfaField::Description, u"x"_s}};
    request.version = 1;
    return request;
}

} // namespace

class TestPemsClientLocal final : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void init();
    void invalidConfigRefusesEverything();
    void nullIdempotencyKeyRefused();
    void invalidRequestRefused();
    void refusalIsNeverSynchronous();
    void noCallbackAfterContextDestroyed();
    void noCallbackAfterClientDestroyed();
    void accessors();

private:
    std::unique_ptr<QNetworkAccessManager> m_network;
};

void TestPemsClientLocal::init()
{
    m_network = std::make_unique<QNetworkAccessManager>();
}

void TestPemsClientLocal::invalidConfigRefusesEverything()
{
    QLoggingCategory::setFilterRules(u"pfa.pems.debug=true"_s);
    LogCapture log;
    PemsConfig config = validConfig();
    config.baseUrl = QUrl(u"http://pems.example.com"_s); // plain http to a remote host
    PemsClient client(m_network.get(), config, std::make_unique<JsonDialect>());

    std::optional<WriteOutcome> update;
    std::optional<WriteOutcome> remove;
    std::optional<RecordOutcome> get;
    std::optional<PageOutcome> list;
    std::optional<PemsHealth> health;
    ExchangeInfo info{-1, {}};
    client.update(sampleUpdate(), QUuid::createUuid(), this, [&](WriteOutcome o, ExchangeInfo i) {
        update = std::move(o);
        info = i;
    });
    client.remove(RemoveRequest{u"PFA-1"_s, u"RIO"_s, 1, {}, {}}, QUuid::createUuid(), this,
                  [&](WriteOutcome o, ExchangeInfo) { remove = std::move(o); });
    client.get(RecordKey{u"PFA-1"_s, u"RIO"_s}, this,
               [&](RecordOutcome o, ExchangeInfo) { get = std::move(o); });
    client.list(ListQuery{u"RIO"_s}, this,
                [&](PageOutcome o, ExchangeInfo) { list = std::move(o); });
    client.health(this, [&](PemsHealth h) { health = std::move(h); });
    QCOMPARE(client.inFlightCount(), 0);

    QTRY_VERIFY(update && remove && get && list && health);
    for (const PemsFailure* failure :
         {&update->error(), &remove->error(), &get->error(), &list->error()}) {
        const auto* permanent = std::get_if<Permanent>(failure);
        QVERIFY(permanent);
        QCOMPARE(permanent->httpStatus, std::nullopt);
        QCOMPARE(permanent->errorCode, u"CONFIG"_s);
        QVERIFY2(permanent->message.contains(u"baseUrl"_s), qPrintable(permanent->message));
    }
    QCOMPARE(info.httpStatus, 0);
    QVERIFY(!health->healthy);
    QVERIFY(health->failure);
    QCOMPARE(health->httpStatus, 0);

    QVERIFY(!log.lines().isEmpty());
    for (const QString& line : log.lines())
        QVERIFY2(!line.contains(Key), qPrintable(line));
    QLoggingCategory::setFilterRules(QString());
}

void TestPemsClientLocal::nullIdempotencyKeyRefused()
{
    PemsClient client(m_network.get(), validConfig(), std::make_unique<JsonDialect>());
    std::optional<WriteOutcome> outcome;
    client.update(sampleUpdate(), QUuid(), this,
                  [&](WriteOutcome o, ExchangeInfo) { outcome = std::move(o); });
    QTRY_VERIFY(outcome);
    const auto* permanent = std::get_if<Permanent>(&outcome->error());
    QVERIFY(permanent);
    QVERIFY(permanent->message.contains(u"Idempotency-Key"_s));
    QCOMPARE(failureClass(outcome->error()), model::FailureClass::Validation);
}

void TestPemsClientLocal::invalidRequestRefused()
{
    PemsClient client(m_network.get(), validConfig(), std::make_unique<JsonDialect>());
    UpdateRequest request = sampleUpdate();
    request.pfaId.clear();
    std::optional<WriteOutcome> outcome;
    client.update(request, QUuid::createUuid(), this,
                  [&](WriteOutcome o, ExchangeInfo) { outcome = std::move(o); });
    QTRY_VERIFY(outcome);
    const auto* permanent = std::get_if<Permanent>(&outcome->error());
    QVERIFY(permanent);
    QCOMPARE(permanent->errorCode, u"INVALID_REQUEST"_s);
    QCOMPARE(permanent->fieldErrors.size(), std::size_t(1));
    QCOMPARE(permanent->fieldErrors.front().field, u"pfaId"_s);
    QCOMPARE(permanent->fieldErrors.front().pfaField, model::PfaField::PfaId);
}

void TestPemsClientLocal::refusalIsNeverSynchronous()
{
    PemsClient client(m_network.get(), validConfig(), std::make_unique<JsonDialect>());
    int calls = 0;
    client.update(sampleUpdate(), QUuid(), this, [&](WriteOutcome, ExchangeInfo) { ++calls; });
    QCOMPARE(calls, 0); // the caller's code after the call runs first
    QTRY_COMPARE(calls, 1);
    QCoreApplication::processEvents();
    QCOMPARE(calls, 1); // exactly once
}

void TestPemsClientLocal::noCallbackAfterContextDestroyed()
{
    PemsClient client(m_network.get(), validConfig(), std::make_unique<JsonDialect>());
    auto context = std::make_unique<QObject>();
    int calls = 0;
    client.update(sampleUpdate(), QUuid(), context.get(),
                  [&](WriteOutcome, ExchangeInfo) { ++calls; });
    // A second request with a living context shows when the first would have been delivered.
    bool witness = false;
    client.update(sampleUpdate(), QUuid(), this,
                  [&](WriteOutcome, ExchangeInfo) { witness = true; });
    context.reset();
    QTRY_VERIFY(witness);
    QCOMPARE(calls, 0);
}

void TestPemsClientLocal::noCallbackAfterClientDestroyed()
{
    auto client = std::make_unique<PemsClient>(m_network.get(), validConfig(),
                                               std::make_unique<JsonDialect>());
    int calls = 0;
    client->update(sampleUpdate(), QUuid(), this, [&](WriteOutcome, ExchangeInfo) { ++calls; });
    client->health(nullptr, [&](PemsHealth) { ++calls; });
    client.reset();

    // Another client's refusal, queued after the first ones, marks when they would have run.
    PemsClient witness(m_network.get(), validConfig(), std::make_unique<JsonDialect>());
    bool delivered = false;
    witness.update(sampleUpdate(), QUuid(), this,
                   [&](WriteOutcome, ExchangeInfo) { delivered = true; });
    QTRY_VERIFY(delivered);
    QCOMPARE(calls, 0);
}

void TestPemsClientLocal::accessors()
{
    PemsClient client(m_network.get(), validConfig(), std::make_unique<JsonDialect>());
    QCOMPARE(client.dialect().name(), u"json"_s);
    QCOMPARE(client.config().baseUrl, QUrl(u"http://127.0.0.1:9"_s));
    QCOMPARE(client.inFlightCount(), 0);
}

QTEST_GUILESS_MAIN(TestPemsClientLocal)
#include "tst_pemsclientlocal.moc"
