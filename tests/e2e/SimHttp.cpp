#include "SimHttp.h"

#include "model/FieldValue.h"

#include <QElapsedTimer>
#include <QNetworkProxy>
#include <QNetworkRequest>
#include <QSignalSpy>
#include <QUrl>

#include <memory>

using namespace Qt::StringLiterals;

namespace pfa::test {

QByteArray HttpResult::header(const QByteArray& name) const
{
    for (const auto& [key, value] : headers) {
        if (key.compare(name, Qt::CaseInsensitive) == 0)
            return value;
    }
    return {};
}

bool HttpResult::hasHeader(const QByteArray& name) const
{
    for (const auto& pair : headers) {
        if (pair.first.compare(name, Qt::CaseInsensitive) == 0)
            return true;
    }
    return false;
}

QByteArray HttpResult::describe() const
{
    if (!finished)
        return "no answer";
    return "status " + QByteArray::number(status) + ", error " + QByteArray::number(error) + " (" +
           errorString.toUtf8() + "), body " + body.left(600);
}

SimHttp::SimHttp(const PemsSimProcess& sim, QByteArray apiKey)
    : m_sim(sim)
    , m_apiKey(std::move(apiKey))
{
    m_network.setProxy(QNetworkProxy::NoProxy);
}

HttpResult SimHttp::send(const QByteArray& method, const QString& pathAndQuery,
                         const std::optional<QByteArray>& body, const Options& options)
{
    QNetworkRequest request(m_sim.url(pathAndQuery));
    if (options.sendKey && !m_apiKey.isEmpty()) {
        if (m_bearer)
            request.setRawHeader("Authorization", "Bearer " + m_apiKey);
        else
            request.setRawHeader("X-Api-Key", m_apiKey);
    }
    if (!options.idempotencyKey.isEmpty())
        request.setRawHeader("Idempotency-Key", options.idempotencyKey);
    if (body)
        request.setHeader(QNetworkRequest::ContentTypeHeader,
                          QByteArrayLiteral("application/json"));
    request.setTransferTimeout(options.timeoutMs);

    HttpResult result;
    QElapsedTimer timer;
    timer.start();
    std::unique_ptr<QNetworkReply> reply(
        m_network.sendCustomRequest(request, method, body.value_or(QByteArray())));
    QSignalSpy finished(reply.get(), &QNetworkReply::finished);
    result.finished = reply->isFinished() || finished.wait(options.timeoutMs + 5000);
    result.elapsedMs = timer.elapsed();
    if (!result.finished) {
        reply->abort();
        return result;
    }
    result.error = reply->error();
    result.errorString = reply->errorString();
    result.status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    result.headers = reply->rawHeaderPairs();
    if (reply->isOpen())
        result.body = reply->readAll();
    if (auto json = model::parseJson(result.body))
        result.json = std::move(*json);
    return result;
}

HttpResult SimHttp::get(const QString& organizationCode, const QString& pfaId,
                        const Options& options)
{
    return send("GET",
                u"/api/pems/pfa/%1?organizationCode=%2"_s.arg(
                    QString::fromLatin1(QUrl::toPercentEncoding(pfaId)),
                    QString::fromLatin1(QUrl::toPercentEncoding(organizationCode))),
                std::nullopt, options);
}

HttpResult SimHttp::put(const QString& pfaId, const nlohmann::json& body, const Options& options)
{
    return send("PUT",
                u"/api/pems/pfa/%1"_s.arg(QString::fromLatin1(QUrl::toPercentEncoding(pfaId))),
                QByteArray::fromStdString(body.dump()), options);
}

HttpResult SimHttp::update(const QString& organizationCode, const QString& pfaId, qint64 version,
                           const nlohmann::json& changes, const Options& options)
{
    return put(pfaId,
               {{"pfaId", pfaId.toStdString()},
                {"organizationCode", organizationCode.toStdString()},
                {"version", version},
                {"changes", changes},
                {"modifiedBy", "e2e"},
                {"changeReason", "test"}},
               options);
}

HttpResult SimHttp::remove(const QString& organizationCode, const QString& pfaId, qint64 version,
                           const Options& options)
{
    return send("DELETE",
                u"/api/pems/pfa/%1?organizationCode=%2&version=%3"_s
                    .arg(QString::fromLatin1(QUrl::toPercentEncoding(pfaId)),
                         QString::fromLatin1(QUrl::toPercentEncoding(organizationCode)))
                    .arg(version),
                std::nullopt, options);
}

HttpResult SimHttp::list(const QString& query, const Options& options)
{
    return send("GET", u"/api/pems/pfa?"_s + query, std::nullopt, options);
}

} // namespace pfa::test
