#pragma once

#include "../sync/WritePathTestCase.h"
#include "db/Database.h"
#include "db/TokenRepository.h"
#include "db/UserRepository.h"
#include "server/EventRelay.h"
#include "server/ServiceHost.h"

#include <QEventLoop>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QTimer>
#include <nlohmann/json.hpp>

namespace pfa::test {

// One HTTP answer as a client sees it.
struct HttpAnswer
{
    int status = 0;
    QByteArray body;
    QMap<QByteArray, QByteArray> headers; // lower-case names
    nlohmann::json json;                  // null unless the body is JSON

    [[nodiscard]] QByteArray header(const QByteArray& name) const
    {
        return headers.value(name.toLower());
    }
    // A string member of the JSON body ("" when absent), for QCOMPARE.
    [[nodiscard]] QString text(const char* key) const
    {
        return json.is_object() && json.contains(key) && json[key].is_string()
                   ? QString::fromStdString(json[key].get<std::string>())
                   : QString();
    }
    [[nodiscard]] QString field() const { return text("field"); }
};

// The base of the service tests: the write-path world (PostgreSQL, pems-sim with RIO and HOU,
// the planner allowed in both) plus a ServiceHost on 127.0.0.1 and one API token per role:
// `rio` (sync and resolve in RIO only), `viewer` (RIO, neither), `admin` (administrator).
class ServiceTestCase : public WritePathTestCase
{
protected:
    bool setUpService(server::ApiServerConfig api = {.maxBodyBytes = 4096,
                                                     .writeRequestsPerSecond = 5})
    {
        if (!setUpWorld({.organizations = {QStringLiteral("RIO"), QStringLiteral("HOU")}}))
            return false;
        QSqlDatabase db = world().db().connection();
        db::UserRepository users(db);
        const auto actor = QStringLiteral("test");
        auto rio =
            users.create({QStringLiteral("rio@pfa.example"), QStringLiteral("Rio"), false}, actor);
        auto viewer = users.create(
            {QStringLiteral("viewer@pfa.example"), QStringLiteral("Viewer"), false}, actor);
        auto admin = users.create(
            {QStringLiteral("admin@pfa.example"), QStringLiteral("Admin"), true}, actor);
        if (!rio || !viewer || !admin)
            return false;
        if (!users.grant(rio->id, {rioId(), true, true}, actor) ||
            !users.grant(viewer->id, {rioId(), false, false}, actor))
            return false;
        db::TokenRepository tokens(db);
        for (auto [user, secret] :
             {std::pair{&*rio, &m_rioToken}, std::pair{&*viewer, &m_viewerToken},
              std::pair{&*admin, &m_adminToken}}) {
            auto issued = tokens.issue(user->id, QStringLiteral("test"), std::nullopt, actor);
            if (!issued)
                return false;
            *secret = issued->secret.toLatin1();
        }

        server::ServiceConfig config;
        config.address = QHostAddress::LocalHost;
        config.api = api;
        config.worker = world().workerConfig(QStringLiteral("service-worker"));
        config.pems = config.worker->pems;
        config.healthProbeInterval = std::chrono::milliseconds(200);
        m_host = std::make_unique<server::ServiceHost>(world().db().database(), config);
        if (auto started = m_host->start(); !started) {
            qWarning().noquote() << started.error().message;
            return false;
        }
        return QTest::qWaitFor([this] { return m_host->engine()->isRunning(); }, 15000);
    }

    void tearDownService()
    {
        if (m_host) {
            QSignalSpy stopped(m_host.get(), &server::ServiceHost::stopped);
            m_host->stop();
            (void)QTest::qWaitFor([&] { return stopped.count() > 0; }, 15000);
        }
        m_host.reset();
        tearDownWorld();
    }

    [[nodiscard]] qint64 rioId() { return world().organizationId(QStringLiteral("RIO")); }
    [[nodiscard]] qint64 houId() { return world().organizationId(QStringLiteral("HOU")); }

    [[nodiscard]] QUrl url(const QString& pathAndQuery) const
    {
        return QUrl(QStringLiteral("http://127.0.0.1:%1%2").arg(m_host->port()).arg(pathAndQuery));
    }

    // One request, waited for (bounded). `token` empty: no Authorization header.
    HttpAnswer request(const QByteArray& method, const QString& pathAndQuery,
                       const QByteArray& token, const QByteArray& body = {})
    {
        QNetworkRequest request(url(pathAndQuery));
        if (!token.isEmpty())
            request.setRawHeader("Authorization", "Bearer " + token);
        if (!body.isEmpty())
            request.setHeader(QNetworkRequest::ContentTypeHeader, QByteArray("application/json"));
        QNetworkReply* reply = m_network.sendCustomRequest(request, method, body);
        QEventLoop loop;
        QObject::connect(reply, &QNetworkReply::finished, &loop, &QEventLoop::quit);
        QTimer::singleShot(15000, &loop, &QEventLoop::quit);
        if (!reply->isFinished())
            loop.exec();
        HttpAnswer answer;
        answer.status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
        answer.body = reply->readAll();
        for (const auto& [name, value] : reply->rawHeaderPairs())
            answer.headers.insert(name.toLower(), value);
        answer.json = nlohmann::json::parse(answer.body.toStdString(), nullptr, false);
        if (answer.json.is_discarded())
            answer.json = nullptr;
        reply->deleteLater();
        return answer;
    }
    HttpAnswer get(const QString& pathAndQuery, const QByteArray& token)
    {
        return request("GET", pathAndQuery, token);
    }
    HttpAnswer post(const QString& pathAndQuery, const QByteArray& token,
                    const nlohmann::json& body)
    {
        return request("POST", pathAndQuery, token, QByteArray::fromStdString(body.dump()));
    }

    // A draft of a later forecastEnd on a RIO (or HOU) record, saved by the planner.
    qint64 draft(const QString& code, int number, const model::FieldMap& delta)
    {
        auto saved = db::ModificationRepository(world().db().connection())
                         .saveDraft({.organizationId = world().organizationId(code),
                                     .pfaId = SyncFixture::pfaId(number),
                                     .userId = world().userId(),
                                     .delta = delta,
                                     .changeReason = QStringLiteral("test")},
                                    QStringLiteral("test"));
        return saved ? saved->id : 0;
    }

    std::unique_ptr<server::ServiceHost> m_host;
    QNetworkAccessManager m_network;
    QByteArray m_rioToken;
    QByteArray m_viewerToken;
    QByteArray m_adminToken;
};

} // namespace pfa::test
