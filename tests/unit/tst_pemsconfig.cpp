#include "pems/PemsConfig.h"
#include "pems/TransportFailure.h"

#include <QTest>

#include <functional>

using namespace Qt::StringLiterals;
using namespace pfa;
using namespace pfa::pems;
using std::chrono::milliseconds;

namespace {

PemsConfig validConfig()
{
    PemsConfig config;
    config.baseUrl = QUrl(u"https://pems.example.com"_s);
    config.apiKey = u"k3y-0123456789"_s;
    return config;
}

using Mutation = std::function<void(PemsConfig&)>;

} // namespace

Q_DECLARE_METATYPE(Mutation)

class TestPemsConfig final : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void defaults();
    void accepts_data();
    void accepts();
    void rejects_data();
    void rejects();
    void transportErrors_data();
    void transportErrors();
    void httpStatusesAreNotTransport();
};

void TestPemsConfig::defaults()
{
    const PemsConfig config;
    QCOMPARE(config.timeout, milliseconds(30000));
    QCOMPARE(config.authScheme, PemsConfig::AuthScheme::ApiKeyHeader);
    QCOMPARE(config.apiKeyHeader, "X-Api-Key");
    QCOMPARE(config.bearerHeader, "Authorization");
    QCOMPARE(config.idempotencyHeader, "Idempotency-Key");
    QCOMPARE(config.tenantHeader, "tenant");
    QCOMPARE(config.organizationHeader, "organization");
    QVERIFY(!config.allowInsecureHttp);
    QVERIFY(!config.validate()); // no URL, no key
    QVERIFY(validConfig().validate());
}

void TestPemsConfig::accepts_data()
{
    QTest::addColumn<Mutation>("mutate");
    QTest::newRow("https") << Mutation([](PemsConfig&) {});
    QTest::newRow("https with prefix and port")
        << Mutation([](PemsConfig& c) { c.baseUrl = QUrl(u"https://gw.example.com:8443/eam/"_s); });
    QTest::newRow("http on 127.0.0.1")
        << Mutation([](PemsConfig& c) { c.baseUrl = QUrl(u"http://127.0.0.1:40123"_s); });
    QTest::newRow("http on 127.1.2.3")
        << Mutation([](PemsConfig& c) { c.baseUrl = QUrl(u"http://127.1.2.3"_s); });
    QTest::newRow("http on localhost")
        << Mutation([](PemsConfig& c) { c.baseUrl = QUrl(u"http://LocalHost:8080"_s); });
    QTest::newRow("http on ::1") << Mutation(
        [](PemsConfig& c) { c.baseUrl = QUrl(u"http://[::1]:8080"_s); });
    QTest::newRow("http elsewhere when allowed") << Mutation([](PemsConfig& c) {
        c.baseUrl = QUrl(u"http://staging-sim.internal:8080"_s);
        c.allowInsecureHttp = true;
    });
    QTest::newRow("bearer") << Mutation([](PemsConfig& c) {
        c.authScheme = PemsConfig::AuthScheme::Bearer;
        c.apiKeyHeader = "not a header"; // unused by this scheme
    });
    QTest::newRow("tenant and organization") << Mutation([](PemsConfig& c) {
        c.tenant = u"ACME_PRD"_s;
        c.organization = u"RIO"_s;
    });
    QTest::newRow("custom header names") << Mutation([](PemsConfig& c) {
        c.apiKeyHeader = "X-EAM-Key";
        c.idempotencyHeader = "X-Request-Id";
    });
    QTest::newRow("1 ms timeout") << Mutation([](PemsConfig& c) { c.timeout = milliseconds(1); });
    QTest::newRow("10 min timeout")
        << Mutation([](PemsConfig& c) { c.timeout = std::chrono::minutes(10); });
}

void TestPemsConfig::accepts()
{
    QFETCH(Mutation, mutate);
    PemsConfig config = validConfig();
    mutate(config);
    const auto valid = config.validate();
    QVERIFY2(valid, qPrintable(valid ? QString() : valid.error().toString()));
}

void TestPemsConfig::rejects_data()
{
    QTest::addColumn<Mutation>("mutate");
    QTest::addColumn<QString>("field");
    QTest::newRow("no URL") << Mutation([](PemsConfig& c) { c.baseUrl = QUrl(); }) << u"baseUrl"_s;
    QTest::newRow("relative URL") << Mutation([](PemsConfig& c) { c.baseUrl = QUrl(u"/api"_s); })
                                  << u"baseUrl"_s;
    QTest::newRow("ftp") << Mutation([](PemsConfig& c) {
        c.baseUrl = QUrl(u"ftp://pems.example.com"_s);
    }) << u"baseUrl"_s;
    QTest::newRow("http to another host")
        << Mutation([](PemsConfig& c) { c.baseUrl = QUrl(u"http://pems.example.com"_s); })
        << u"baseUrl"_s;
    QTest::newRow("http to a LAN address")
        << Mutation([](PemsConfig& c) { c.baseUrl = QUrl(u"http://10.0.0.5"_s); }) << u"baseUrl"_s;
    QTest::newRow("http to a name that starts like loopback")
        << Mutation([](PemsConfig& c) { c.baseUrl = QUrl(u"http://localhost.evil.example"_s); })
        << u"baseUrl"_s;
    QTest::newRow("query") << Mutation([](PemsConfig& c) {
        c.baseUrl = QUrl(u"https://pems.example.com/?x=1"_s);
    }) << u"baseUrl"_s;
    QTest::newRow("user info") << Mutation([](PemsConfig& c) {
        c.baseUrl = QUrl(u"https://user:pw@pems.example.com"_s);
    }) << u"baseUrl"_s;
    QTest::newRow("no key") << Mutation([](PemsConfig& c) { c.apiKey.clear(); }) << u"apiKey"_s;
    QTest::newRow("key with a line break")
        << Mutation([](PemsConfig& c) { c.apiKey = u"abc\r\nX-Admin: 1"_s; }) << u"apiKey"_s;
    QTest::newRow("key with a space")
        << Mutation([](PemsConfig& c) { c.apiKey = u"abc def"_s; }) << u"apiKey"_s;
    QTest::newRow("key not ASCII")
        << Mutation([](PemsConfig& c) { c.apiKey = u"clé"_s; }) << u"apiKey"_s;
    QTest::newRow("bad key header")
        << Mutation([](PemsConfig& c) { c.apiKeyHeader = "X Api Key"; }) << u"apiKeyHeader"_s;
    QTest::newRow("empty bearer header") << Mutation([](PemsConfig& c) {
        c.authScheme = PemsConfig::AuthScheme::Bearer;
        c.bearerHeader.clear();
    }) << u"bearerHeader"_s;
    QTest::newRow("bad idempotency header")
        << Mutation([](PemsConfig& c) { c.idempotencyHeader = "Idempotency:Key"; })
        << u"idempotencyHeader"_s;
    QTest::newRow("tenant with a line break")
        << Mutation([](PemsConfig& c) { c.tenant = u"A\nB"_s; }) << u"tenant"_s;
    QTest::newRow("organization header invalid") << Mutation([](PemsConfig& c) {
        c.organization = u"RIO"_s;
        c.organizationHeader = "";
    }) << u"organization"_s;
    QTest::newRow("zero timeout") << Mutation([](PemsConfig& c) { c.timeout = milliseconds(0); })
                                  << u"timeout"_s;
    QTest::newRow("negative timeout")
        << Mutation([](PemsConfig& c) { c.timeout = milliseconds(-5); }) << u"timeout"_s;
    QTest::newRow("day-long timeout")
        << Mutation([](PemsConfig& c) { c.timeout = std::chrono::hours(24); }) << u"timeout"_s;
}

void TestPemsConfig::rejects()
{
    QFETCH(Mutation, mutate);
    QFETCH(QString, field);
    PemsConfig config = validConfig();
    mutate(config);
    const auto valid = config.validate();
    QVERIFY(!valid);
    QCOMPARE(valid.error().code, ErrorCode::Config);
    QCOMPARE(valid.error().field, field);
    QVERIFY(!valid.error().message.isEmpty());
    // A validation message never repeats the key.
    QVERIFY(!valid.error().toString().contains(u"k3y-0123456789"_s));
}

void TestPemsConfig::transportErrors_data()
{
    QTest::addColumn<QNetworkReply::NetworkError>("error");
    QTest::addColumn<TransientCause>("cause");
    QTest::newRow("refused") << QNetworkReply::ConnectionRefusedError
                             << TransientCause::ConnectionRefused;
    QTest::newRow("closed") << QNetworkReply::RemoteHostClosedError
                            << TransientCause::ConnectionClosed;
    QTest::newRow("truncated") << QNetworkReply::ProtocolFailure
                               << TransientCause::ConnectionClosed;
    QTest::newRow("host not found")
        << QNetworkReply::HostNotFoundError << TransientCause::HostNotFound;
    QTest::newRow("timeout") << QNetworkReply::TimeoutError << TransientCause::Timeout;
    QTest::newRow("transfer timeout (Qt 6.4)")
        << QNetworkReply::OperationCanceledError << TransientCause::Timeout;
    QTest::newRow("tls") << QNetworkReply::SslHandshakeFailedError << TransientCause::Tls;
    QTest::newRow("temporary") << QNetworkReply::TemporaryNetworkFailureError
                               << TransientCause::Network;
    QTest::newRow("proxy") << QNetworkReply::ProxyConnectionRefusedError
                           << TransientCause::ConnectionRefused;
    QTest::newRow("unknown") << QNetworkReply::UnknownNetworkError << TransientCause::Network;
}

void TestPemsConfig::transportErrors()
{
    QFETCH(QNetworkReply::NetworkError, error);
    QFETCH(TransientCause, cause);
    QVERIFY(isTransportError(error));
    const Transient transient = transportFailure(error, u"Qt says why"_s, milliseconds(500));
    QCOMPARE(transient.cause, cause);
    QCOMPARE(transient.httpStatus, std::nullopt);
    QVERIFY(!transient.message.isEmpty());
    if (cause == TransientCause::Timeout && error != QNetworkReply::ProxyTimeoutError)
        QCOMPARE(transient.message, u"no data from PEMS for 500 ms (timeout)"_s);
    else
        QVERIFY2(transient.message.endsWith(u": Qt says why"_s), qPrintable(transient.message));

    // Headers may have arrived before the transfer broke off.
    QCOMPARE(transportFailure(error, {}, milliseconds(500), 200).httpStatus, 200);
}

void TestPemsConfig::httpStatusesAreNotTransport()
{
    for (const auto error :
         {QNetworkReply::NoError, QNetworkReply::ContentNotFoundError,
          QNetworkReply::ContentConflictError, QNetworkReply::AuthenticationRequiredError,
          QNetworkReply::InternalServerError, QNetworkReply::ServiceUnavailableError,
          QNetworkReply::UnknownContentError, QNetworkReply::UnknownServerError}) {
        QVERIFY2(!isTransportError(error), qPrintable(QString::number(error)));
    }
}

QTEST_APPLESS_MAIN(TestPemsConfig)
#include "tst_pemsconfig.moc"
