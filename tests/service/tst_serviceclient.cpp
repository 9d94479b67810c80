// ServiceClient and EventStreamClient against the real service on 127.0.0.1 (ServiceHost with its
// worker, a private PostgreSQL, pems-sim): every typed call succeeds, the service's refusals come
// back as errors carrying status, code and field, a transport failure and a timeout are told
// apart from the service's answers, and the event stream delivers in order, is refused for
// another organization, and reconnects after the service went away, reporting the gap.
#include "ServiceTestCase.h"

#include "db/ConflictRepository.h"
#include "model/IsoDateTime.h"
#include "model/PfaField.h"
#include "server/EventStreamClient.h"
#include "server/ServiceClient.h"

#include <QTcpServer>
#include <QTcpSocket>

using namespace Qt::StringLiterals;
using pfa::model::PfaField;
using pfa::model::SyncStatus;
using pfa::server::EventStreamClient;
using pfa::server::ServiceClient;
using pfa::server::ServiceEndpoint;
using pfa::server::ServiceError;
using pfa::server::ServiceResult;

namespace pfa::test {

class TstServiceClient : public ServiceTestCase
{
    Q_OBJECT

    [[nodiscard]] ServiceEndpoint
    endpoint(const QByteArray& token, quint16 port,
             std::chrono::milliseconds timeout = std::chrono::seconds(15))
    {
        auto made =
            ServiceEndpoint::create(QUrl(u"http://127.0.0.1:%1"_s.arg(port)), token, {}, timeout);
        if (!made)
            qFatal("%s", qPrintable(made.error().toString()));
        return *made;
    }
    [[nodiscard]] std::unique_ptr<ServiceClient> client(const QByteArray& token)
    {
        return std::make_unique<ServiceClient>(&m_clientNetwork, endpoint(token, m_host->port()));
    }

    // Runs one call and waits (bounded) for its callback.
    template<typename T, typename Start>
    std::optional<ServiceResult<T>> await(Start start)
    {
        std::optional<ServiceResult<T>> out;
        start([&out](ServiceResult<T> result) { out = std::move(result); });
        (void)QTest::qWaitFor([&] { return out.has_value(); }, 20000);
        return out;
    }

    // A RIO conflict raised by the real worker: PEMS changed forecastEnd first.
    qint64 raiseConflict(int number, const model::FieldMap& delta)
    {
        const auto theirs = model::toIsoUtc(
            std::get<QDateTime>(world().record(u"RIO"_s, number).at(PfaField::ForecastEnd))
                .addDays(2));
        if (!world().sim().editRecord(u"RIO"_s, SyncFixture::pfaId(number),
                                      nlohmann::json{{"forecastEnd", theirs.toStdString()}}))
            return 0;
        auto committed = world().commit(u"RIO"_s, number, delta);
        if (!committed || !world().waitForStatus(committed->modification.id, SyncStatus::Conflict))
            return 0;
        auto open = db::ConflictRepository(world().db().connection()).unresolved(rioId());
        return open && !open->empty() ? open->front().id : 0;
    }

    // The service going away: stopped (its worker drained) and destroyed, which closes every
    // event stream with 1001 "going away".
    void stopService()
    {
        QSignalSpy stopped(m_host.get(), &server::ServiceHost::stopped);
        m_host->stop();
        QVERIFY(stopped.wait(15000) || stopped.count() > 0);
        m_host.reset();
    }
    // The service back on the same port, as after a restart (without a worker: the relay is what
    // is tested).
    bool startServiceOn(quint16 port)
    {
        server::ServiceConfig config;
        config.address = QHostAddress::LocalHost;
        config.port = port;
        config.api = {.maxBodyBytes = 4096, .writeRequestsPerSecond = 5};
        m_host = std::make_unique<server::ServiceHost>(world().db().database(), config);
        if (auto started = m_host->start(); !started) {
            qWarning().noquote() << started.error().message;
            return false;
        }
        return true;
    }

    // Why a call did not succeed, for QVERIFY2 ("" when it did).
    template<typename T>
    static QByteArray why(const std::optional<ServiceResult<T>>& result)
    {
        if (!result)
            return "no answer";
        return *result ? QByteArray() : result->error().toString().toUtf8();
    }

    // True when the call failed with this answer of the service; says why not otherwise.
    template<typename T>
    static bool isHttpError(const std::optional<ServiceResult<T>>& result, int status,
                            const QString& code, const QString& field)
    {
        if (!result || result->has_value()) {
            qWarning() << "expected" << status << code << "but"
                       << (result ? "it succeeded" : "no answer");
            return false;
        }
        const ServiceError& error = result->error();
        const bool ok = error.kind == ServiceError::Kind::Http && error.httpStatus == status &&
                        error.code == code && !error.message.isEmpty() && error.field == field;
        if (!ok)
            qWarning().noquote() << "expected" << status << code << field << "got"
                                 << error.toString();
        return ok;
    }

    QNetworkAccessManager m_clientNetwork;

private Q_SLOTS:
    void initTestCase() { QCoreApplication::setApplicationVersion(u"9.9.9-test"_s); }
    void init() { QVERIFY(setUpService()); }
    void cleanup() { tearDownService(); }

    void everyTypedCallSucceeds()
    {
        const auto rio = client(m_rioToken);

        const auto live = await<server::Liveness>([&](auto done) { rio->health(this, done); });
        QVERIFY(live && *live);
        QCOMPARE((*live)->status, u"ok"_s);
        QCOMPARE((*live)->version, u"9.9.9-test"_s); // set in initTestCase, as the app sets its own
        // 200 and 503 are both answers; the probe of pems-sim turns it healthy.
        const auto healthy = [&] {
            const auto health = await<server::WriteSyncHealth>(
                [&](auto done) { rio->writeSyncHealth(this, done); });
            return health && *health && (*health)->healthy && (*health)->body.contains("queue");
        };
        QTRY_VERIFY_WITH_TIMEOUT(healthy(), 10000);

        const qint64 id = draft(u"RIO"_s, 10001, laterForecastEnd(10001, 5));
        QVERIFY(id > 0);
        const auto accepted = await<server::WriteSyncAccepted>([&](auto done) {
            rio->writeSync({.organizationId = rioId(), .modificationIds = {id}, .priority = 5},
                           this, done);
        });
        QVERIFY2(accepted && *accepted, why(accepted).constData());
        QVERIFY((*accepted)->jobId > 0);
        QCOMPARE((*accepted)->committedCount, 1);
        QVERIFY((*accepted)->estimatedCompletionTime.isValid());
        QVERIFY(world().waitForStatus(id, SyncStatus::Synced));

        const auto status = await<server::SyncStatusReport>([&](auto done) {
            rio->syncStatus({.organizationId = rioId(),
                             .status = u"completed"_s,
                             .startDate = QDateTime::currentDateTimeUtc().addDays(-1),
                             .endDate = QDateTime::currentDateTimeUtc().addDays(1)},
                            this, done);
        });
        QVERIFY2(status && *status, why(status).constData());
        QCOMPARE((*status)->completed, 1);
        QCOMPARE((*status)->count.value_or(-1), 1);
        QCOMPARE((*status)->status.value_or(QString()), u"completed"_s);
        QVERIFY((*status)->lastSyncAt.has_value());
        QVERIFY((*status)->nextSyncAt.isValid());
        QCOMPARE((*status)->health, u"healthy"_s);

        const auto paused = await<server::WorkerSwitchState>(
            [&](auto done) { rio->pause(rioId(), u"maintenance"_s, this, done); });
        QVERIFY(paused && *paused);
        QVERIFY((*paused)->paused);
        QCOMPARE((*paused)->organizationId.value_or(0), rioId());
        const auto resumed =
            await<server::WorkerSwitchState>([&](auto done) { rio->resume(rioId(), this, done); });
        QVERIFY(resumed && *resumed);
        QVERIFY(!(*resumed)->paused);

        const qint64 conflictId = raiseConflict(10002, laterForecastEnd(10002, 9));
        QVERIFY(conflictId > 0);
        const auto page = await<server::ConflictPage>([&](auto done) {
            rio->conflicts({.organizationId = rioId(), .status = {}, .limit = 10, .offset = 0},
                           this, done);
        });
        QVERIFY2(page && *page, why(page).constData());
        QCOMPARE((*page)->total, 1);
        QCOMPARE((*page)->conflicts.size(), std::size_t(1));
        QCOMPARE((*page)->conflicts.front().id, conflictId);
        QCOMPARE((*page)->conflicts.front().pfaId, SyncFixture::pfaId(10002));

        const auto shown =
            await<model::Conflict>([&](auto done) { rio->conflict(conflictId, this, done); });
        QVERIFY(shown && *shown);
        QCOMPARE((*shown)->status, model::ConflictStatus::Unresolved);
        QCOMPARE((*shown)->conflictFields, std::vector<PfaField>{PfaField::ForecastEnd});
        QVERIFY((*shown)->localData == laterForecastEnd(10002, 9));

        const auto resolved = await<server::ResolveOutcome>([&](auto done) {
            rio->resolve(conflictId, {.resolution = model::Resolution::UsePems, .mergedData = {}},
                         this, done);
        });
        QVERIFY2(resolved && *resolved, why(resolved).constData());
        QCOMPARE((*resolved)->conflictId, conflictId);
        QCOMPARE((*resolved)->modificationStatus, SyncStatus::Discarded);
        QVERIFY((*resolved)->appliedChanges.empty());

        // The generic calls, for routes without a typed call: the JSON of the answer as it came.
        QUrlQuery all;
        all.addQueryItem(u"status"_s, u"all"_s);
        const auto listed = await<nlohmann::json>(
            [&](auto done) { rio->get(u"/api/pems/conflicts"_s, all, this, done); });
        QVERIFY(listed && *listed);
        QCOMPARE((**listed)["total"].get<int>(), 1);
        QCOMPARE((**listed)["conflicts"][0]["status"].get<std::string>(), "resolved_manual");
        const auto posted = await<nlohmann::json>([&](auto done) {
            rio->post(u"/api/pems/worker/resume"_s, {{"organizationId", rioId()}}, this, done);
        });
        QVERIFY(posted && *posted);
        QCOMPARE((**posted)["paused"].get<bool>(), false);
        QCOMPARE(rio->inFlightCount(), 0);
    }

    void refusalsAreErrorsWithStatusCodeAndField()
    {
        const auto stranger = client("pfa_not-a-real-token");
        QVERIFY(isHttpError(await<server::SyncStatusReport>([&](auto done) {
                                stranger->syncStatus({.organizationId = rioId()}, this, done);
                            }),
                            401, u"UNAUTHORIZED"_s, {}));

        const auto viewer = client(m_viewerToken);
        QVERIFY(isHttpError(await<server::WriteSyncAccepted>([&](auto done) {
                                viewer->writeSync({.organizationId = rioId()}, this, done);
                            }),
                            403, u"FORBIDDEN"_s, {}));

        const auto rio = client(m_rioToken);
        QVERIFY(isHttpError(await<server::SyncStatusReport>([&](auto done) {
                                rio->syncStatus({.organizationId = houId()}, this, done);
                            }),
                            404, u"NOT_FOUND"_s, u"organizationId"_s));
        QVERIFY(isHttpError(
            await<model::Conflict>([&](auto done) { rio->conflict(987654, this, done); }), 404,
            u"NOT_FOUND"_s, {}));
        QVERIFY(isHttpError(await<server::ConflictPage>([&](auto done) {
                                rio->conflicts({.organizationId = rioId(), .limit = 1000}, this,
                                               done);
                            }),
                            400, u"INVALID_INPUT"_s, u"limit"_s));
        QVERIFY(isHttpError(await<server::WriteSyncAccepted>([&](auto done) {
                                rio->writeSync({.organizationId = rioId(), .priority = 1000}, this,
                                               done);
                            }),
                            400, u"INVALID_INPUT"_s, u"priority"_s));
        QVERIFY(isHttpError(await<nlohmann::json>([&](auto done) {
                                rio->post(u"/api/pems/write-sync"_s,
                                          {{"organizationId", rioId()}, {"sql", "x"}}, this, done);
                            }),
                            400, u"INVALID_INPUT"_s, u"sql"_s));

        // The write budget (5/s here): a burst ends in 429 with the time to wait.
        std::optional<ServiceError> limited;
        for (int i = 0; i < 20 && !limited; ++i) {
            const auto answer = await<server::WorkerSwitchState>(
                [&](auto done) { rio->resume(rioId(), this, done); });
            QVERIFY(answer);
            if (!*answer)
                limited = answer->error();
        }
        QVERIFY2(limited, "20 writes in a burst against a limit of 5/s");
        QCOMPARE(limited->httpStatus, 429);
        QCOMPARE(limited->code, u"RATE_LIMITED"_s);
        QVERIFY(limited->retryAfter.value_or(std::chrono::seconds(0)) >= std::chrono::seconds(1));

        // For code that reports pfa::Error.
        const auto forbidden = await<server::WriteSyncAccepted>(
            [&](auto done) { viewer->writeSync({.organizationId = rioId()}, this, done); });
        QVERIFY(forbidden && !*forbidden);
        const Error error = server::toError(forbidden->error());
        QCOMPARE(error.code, ErrorCode::Forbidden);
        QCOMPARE(error.detail, u"403"_s);
    }

    void transportFailuresAreNotAnswers()
    {
        // A port nobody listens on (taken, then freed).
        quint16 freePort = 0;
        {
            QTcpServer probe;
            QVERIFY(probe.listen(QHostAddress::LocalHost, 0));
            freePort = probe.serverPort();
        }
        ServiceClient nobody(&m_clientNetwork, endpoint(m_rioToken, freePort));
        const auto refused = await<server::Liveness>([&](auto done) { nobody.health(this, done); });
        QVERIFY(refused && !*refused);
        QCOMPARE(refused->error().kind, ServiceError::Kind::Transport);
        QCOMPARE(refused->error().httpStatus, 0);
        QVERIFY(refused->error().code.isEmpty());
        QCOMPARE(server::toError(refused->error()).code, ErrorCode::Io);

        // A server that accepts and never answers: the client's timeout, told apart.
        QTcpServer silent;
        QVERIFY(silent.listen(QHostAddress::LocalHost, 0));
        std::vector<std::unique_ptr<QTcpSocket>> held;
        connect(&silent, &QTcpServer::newConnection, this, [&] {
            while (silent.hasPendingConnections())
                held.emplace_back(silent.nextPendingConnection());
        });
        ServiceClient hanging(&m_clientNetwork, endpoint(m_rioToken, silent.serverPort(),
                                                         std::chrono::milliseconds(300)));
        const auto timedOut =
            await<server::Liveness>([&](auto done) { hanging.health(this, done); });
        QVERIFY(timedOut && !*timedOut);
        QCOMPARE(timedOut->error().kind, ServiceError::Kind::Timeout);
        QCOMPARE(timedOut->error().httpStatus, 0);

        // Bad settings are refused before anything is sent, naming the setting.
        const auto noScheme = ServiceEndpoint::create(QUrl(u"ftp://127.0.0.1"_s), m_rioToken);
        QVERIFY(!noScheme);
        QCOMPARE(noScheme.error().field, u"url"_s);
        const auto noCa = ServiceEndpoint::create(QUrl(u"https://127.0.0.1"_s), m_rioToken,
                                                  u"/nonexistent/ca.pem"_s);
        QVERIFY(!noCa);
        QCOMPARE(noCa.error().field, u"caCertificate"_s);
    }

    void theStreamDeliversAQueuedModificationsEventsInOrder()
    {
        EventStreamClient stream(endpoint(m_rioToken, m_host->port()), rioId());
        std::vector<model::SyncEvent> events;
        connect(&stream, &EventStreamClient::eventReceived, this,
                [&](const model::SyncEvent& event) { events.push_back(event); });
        stream.open();
        QTRY_COMPARE_WITH_TIMEOUT(stream.state(), EventStreamClient::State::Open, 10000);
        QTRY_COMPARE_WITH_TIMEOUT(m_host->relay().clientCount(), 1, 10000);

        const qint64 id = draft(u"RIO"_s, 10003, laterForecastEnd(10003, 4));
        const auto rio = client(m_rioToken);
        const auto accepted = await<server::WriteSyncAccepted>([&](auto done) {
            rio->writeSync({.organizationId = rioId(), .modificationIds = {id}}, this, done);
        });
        QVERIFY(accepted && *accepted);
        const auto ofIt = [&] {
            QStringList seen;
            for (const model::SyncEvent& event : events) {
                if (event.modificationId == id)
                    seen << model::toWire(event.type) + u':' + event.status;
            }
            return seen;
        };
        QTRY_VERIFY_WITH_TIMEOUT(ofIt().contains(u"SYNC_SUCCESS:synced"_s), 15000);
        QCOMPARE(ofIt(), (QStringList{u"SYNC_QUEUED:queued"_s, u"SYNC_STARTED:syncing"_s,
                                      u"SYNC_SUCCESS:synced"_s}));
        for (const model::SyncEvent& event : events)
            QVERIFY(event.organizationId == rioId() || event.organizationId == 0);
        QVERIFY(pemsRecord(10003)["data"]["forecastEnd"] ==
                model::fieldValueToJson(laterForecastEnd(10003, 4).at(PfaField::ForecastEnd)));
        stream.close();
        QCOMPARE(stream.state(), EventStreamClient::State::Idle);
    }

    void theStreamOfAnotherOrganizationOrABadTokenIsRefused()
    {
        struct Case
        {
            QByteArray token;
            qint64 organizationId;
            QString reason;
        };
        const std::vector<Case> cases{
            {m_rioToken, houId(), u"organization %1 does not exist"_s.arg(houId())},
            {"pfa_not-a-real-token", rioId(), u"the API token is invalid, expired or revoked"_s}};
        for (std::size_t i = 0; i < cases.size(); ++i) {
            const Case& refusal = cases[i];
            EventStreamClient stream(endpoint(refusal.token, m_host->port()),
                                     refusal.organizationId, {std::chrono::milliseconds(50)});
            QSignalSpy refused(&stream, &EventStreamClient::refused);
            QSignalSpy resync(&stream, &EventStreamClient::resynchronizeNeeded);
            std::vector<model::SyncEvent> events;
            connect(&stream, &EventStreamClient::eventReceived, this,
                    [&](const model::SyncEvent& event) { events.push_back(event); });
            stream.open();
            QVERIFY(refused.wait(10000));
            QCOMPARE(refused.first().at(0).toInt(), 1008);
            QCOMPARE(refused.first().at(1).toString(), refusal.reason);
            QCOMPARE(stream.state(), EventStreamClient::State::Refused);
            // Final: no new attempt follows (it would be refused again the same way).
            QVERIFY(!refused.wait(300));
            QCOMPARE(stream.state(), EventStreamClient::State::Refused);
            QCOMPARE(resync.count(), 0);
            // And nothing of the organization leaks through the refused stream.
            const int number = 10004 + int(i);
            auto committed =
                world().commit(u"HOU"_s, number, laterForecastEnd(number, 2, u"HOU"_s));
            QVERIFY(committed);
            QVERIFY(world().waitForStatus(committed->modification.id, SyncStatus::Synced));
            QVERIFY(events.empty());
        }
        QCOMPARE(m_host->relay().clientCount(), 0);
    }

    void afterTheServiceClosesTheStreamItReconnectsAndReportsTheGap()
    {
        const quint16 port = m_host->port();
        EventStreamClient stream(endpoint(m_rioToken, port), rioId(),
                                 {std::chrono::milliseconds(100), std::chrono::milliseconds(400)});
        QCOMPARE(stream.delayAfter(1), std::chrono::milliseconds(100));
        QCOMPARE(stream.delayAfter(2), std::chrono::milliseconds(200));
        QCOMPARE(stream.delayAfter(3), std::chrono::milliseconds(400));
        QCOMPARE(stream.delayAfter(10), std::chrono::milliseconds(400));
        QSignalSpy closed(&stream, &EventStreamClient::closedByService);
        QSignalSpy resync(&stream, &EventStreamClient::resynchronizeNeeded);
        QSignalSpy states(&stream, &EventStreamClient::stateChanged);
        std::vector<model::SyncEvent> events;
        connect(&stream, &EventStreamClient::eventReceived, this,
                [&](const model::SyncEvent& event) { events.push_back(event); });
        stream.open();
        QTRY_COMPARE_WITH_TIMEOUT(stream.state(), EventStreamClient::State::Open, 10000);
        QTRY_COMPARE_WITH_TIMEOUT(m_host->relay().clientCount(), 1, 10000);
        QCOMPARE(resync.count(), 0); // the first open is no gap

        stopService();
        QTRY_COMPARE_WITH_TIMEOUT(closed.count(), 1, 10000);
        QCOMPARE(closed.first().at(0).toInt(), 1001); // going away
        QVERIFY(!closed.first().at(1).toString().isEmpty());
        // Down for a while: the attempts fail and back off.
        QTRY_VERIFY_WITH_TIMEOUT(stream.failedAttempts() >= 3, 10000);
        QVERIFY(stream.state() != EventStreamClient::State::Open);

        // A modification committed while the stream is down: its event is not replayed.
        auto missed = world().commit(u"RIO"_s, 10006, laterForecastEnd(10006, 3));
        QVERIFY(missed);

        QVERIFY(startServiceOn(port));
        QTRY_COMPARE_WITH_TIMEOUT(resync.count(), 1, 10000);
        QCOMPARE(stream.state(), EventStreamClient::State::Open);
        QCOMPARE(stream.failedAttempts(), 0);
        QTRY_COMPARE_WITH_TIMEOUT(m_host->relay().clientCount(), 1, 10000);
        for (const model::SyncEvent& event : events)
            QVERIFY(event.modificationId != missed->modification.id);

        // The stream works again: a new modification's events arrive.
        auto after = world().commit(u"RIO"_s, 10007, laterForecastEnd(10007, 3));
        QVERIFY(after);
        QTRY_VERIFY_WITH_TIMEOUT(
            std::ranges::any_of(events,
                                [&](const model::SyncEvent& event) {
                                    return event.modificationId == after->modification.id &&
                                           event.type == model::EventType::SyncQueued;
                                }),
            10000);
        QVERIFY(states.count() >= 5); // Connecting, Open, Waiting, Connecting …, Open
    }
};

} // namespace pfa::test

QTEST_GUILESS_MAIN(pfa::test::TstServiceClient)
#include "tst_serviceclient.moc"
