#pragma once

#include "support/PemsSimProcess.h"

#include <QByteArray>
#include <QList>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QPair>
#include <QString>

#include <nlohmann/json.hpp>

#include <optional>

namespace pfa::test {

// What one request to pems-sim got back.
struct HttpResult
{
    bool finished = false; // false: no answer within the test's bound
    QNetworkReply::NetworkError error = QNetworkReply::NoError;
    QString errorString;
    int status = 0;
    QByteArray body;
    nlohmann::json json; // null when the body is not JSON
    QList<QNetworkReply::RawHeaderPair> headers;
    qint64 elapsedMs = 0;

    [[nodiscard]] QByteArray header(const QByteArray& name) const;
    [[nodiscard]] bool hasHeader(const QByteArray& name) const;
    // For QVERIFY2 messages.
    [[nodiscard]] QByteArray describe() const;
};

// Per-request settings of SimHttp (outside the class so it can be a default argument there).
struct RequestOptions
{
    QByteArray idempotencyKey;
    int timeoutMs = 10000; // the client gives up after this long
    bool sendKey = true;
};

// A plain QNetworkAccessManager client for the PEMS API of one pems-sim process, waiting on each
// reply's finished signal with a bound (no fixed sleeps).
class SimHttp final
{
public:
    explicit SimHttp(const PemsSimProcess& sim,
                     QByteArray apiKey = PemsSimProcess::defaultApiKey());

    void setApiKey(QByteArray apiKey) { m_apiKey = std::move(apiKey); }
    // Also send Authorization: Bearer instead of X-Api-Key.
    void setUseBearer(bool bearer) { m_bearer = bearer; }

    using Options = RequestOptions;

    [[nodiscard]] HttpResult send(const QByteArray& method, const QString& pathAndQuery,
                                  const std::optional<QByteArray>& body, const Options& options);
    [[nodiscard]] HttpResult send(const QByteArray& method, const QString& pathAndQuery,
                                  const std::optional<QByteArray>& body = std::nullopt)
    {
        return send(method, pathAndQuery, body, Options{});
    }

    [[nodiscard]] HttpResult get(const QString& organizationCode, const QString& pfaId,
                                 const Options& options = {});
    [[nodiscard]] HttpResult put(const QString& pfaId, const nlohmann::json& body,
                                 const Options& options = {});
    // A PUT with the usual body: {pfaId, organizationCode, version, changes, modifiedBy, ...}.
    [[nodiscard]] HttpResult update(const QString& organizationCode, const QString& pfaId,
                                    qint64 version, const nlohmann::json& changes,
                                    const Options& options = {});
    [[nodiscard]] HttpResult remove(const QString& organizationCode, const QString& pfaId,
                                    qint64 version, const Options& options = {});
    [[nodiscard]] HttpResult list(const QString& query, const Options& options = {});

private:
    const PemsSimProcess& m_sim;
    QNetworkAccessManager m_network;
    QByteArray m_apiKey;
    bool m_bearer = false;
};

} // namespace pfa::test
