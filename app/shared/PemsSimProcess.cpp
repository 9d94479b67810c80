#include "shared/PemsSimProcess.h"

#include "model/FieldValue.h"

#include <QCoreApplication>
#include <QDeadlineTimer>
#include <QEventLoop>
#include <QFileInfo>
#include <QNetworkAccessManager>
#include <QNetworkProxy>
#include <QNetworkReply>
#include <QNetworkRequest>
#include <QProcess>
#include <QRegularExpression>
#include <QTimer>
#include <QUrlQuery>

#include <csignal>

using namespace Qt::StringLiterals;

namespace pfa::app {

namespace {

std::unexpected<Error> processError(const QString& message, const QByteArray& stderrText)
{
    QString text = message;
    if (!stderrText.trimmed().isEmpty())
        text += u"; its standard error:\n"_s + QString::fromUtf8(stderrText.trimmed());
    return fail(ErrorCode::Io, text);
}

QString encoded(const QString& segment)
{
    return QString::fromLatin1(QUrl::toPercentEncoding(segment));
}

} // namespace

PemsSimProcess::PemsSimProcess()
    : m_adminKey(defaultAdminKey())
{}

PemsSimProcess::~PemsSimProcess()
{
    if (isRunning())
        (void)stop();
}

QString PemsSimProcess::binaryPath()
{
    // The environment can point at another build (or a wrapper script) without rebuilding; an
    // installed pems-sim sits next to pfa-sync; else the one this build tree made.
    const QString overridden = qEnvironmentVariable("PEMS_SIM_BINARY");
    if (!overridden.isEmpty())
        return overridden;
    if (QCoreApplication::instance()) {
        const QFileInfo sibling(QCoreApplication::applicationDirPath() + u"/pems-sim"_s);
        if (sibling.isFile() && sibling.isExecutable())
            return sibling.filePath();
    }
    return QStringLiteral(PEMS_SIM_BUILD_BINARY);
}

QByteArray PemsSimProcess::defaultApiKey()
{
    return QByteArrayLiteral("sim-key");
}

QByteArray PemsSimProcess::defaultAdminKey()
{
    return QByteArrayLiteral("sim-admin");
}

Expected<void> PemsSimProcess::start(const QStringList& arguments, int timeoutMs)
{
    if (isRunning())
        return fail(ErrorCode::Internal, u"pems-sim is already running"_s);
    m_process = std::make_unique<QProcess>();
    m_stderr.clear();
    m_port = 0;
    m_process->setProgram(binaryPath());
    m_process->setArguments(QStringList{u"--host"_s, u"127.0.0.1"_s, u"--port"_s, u"0"_s} +
                            arguments);
    m_process->start(QIODevice::ReadOnly);
    if (!m_process->waitForStarted(timeoutMs))
        return processError(u"cannot start %1: %2"_s.arg(binaryPath(), m_process->errorString()),
                            {});

    static const QRegularExpression line(u"^pems-sim listening on http://([^:/]+):(\\d+)$"_s);
    const QDeadlineTimer deadline(timeoutMs);
    while (!deadline.hasExpired()) {
        if (m_process->canReadLine()) {
            const QString text = QString::fromUtf8(m_process->readLine()).trimmed();
            const QRegularExpressionMatch match = line.match(text);
            if (!match.hasMatch()) {
                m_stderr += m_process->readAllStandardError();
                return processError(u"pems-sim printed \"%1\" instead of its address"_s.arg(text),
                                    m_stderr);
            }
            m_port = static_cast<quint16>(match.capturedView(2).toUInt());
            return {};
        }
        if (m_process->state() != QProcess::Running) {
            m_stderr += m_process->readAllStandardError();
            return processError(
                u"pems-sim exited with code %1 before listening"_s.arg(m_process->exitCode()),
                m_stderr);
        }
        m_process->waitForReadyRead(
            static_cast<int>(std::max<qint64>(deadline.remainingTime(), 1)));
    }
    m_stderr += m_process->readAllStandardError();
    (void)stop(1000);
    return processError(u"pems-sim did not report its port within %1 ms"_s.arg(timeoutMs),
                        m_stderr);
}

Expected<int> PemsSimProcess::stop(int timeoutMs, int signalNumber)
{
    if (!m_process)
        return fail(ErrorCode::Internal, u"pems-sim was not started"_s);
    if (m_process->state() != QProcess::NotRunning) {
        ::kill(static_cast<pid_t>(m_process->processId()), signalNumber);
        if (!m_process->waitForFinished(timeoutMs)) {
            m_process->kill();
            m_process->waitForFinished(timeoutMs);
            m_stderr += m_process->readAllStandardError();
            return processError(u"pems-sim did not exit within %1 ms of SIGTERM"_s.arg(timeoutMs),
                                m_stderr);
        }
    }
    m_stderr += m_process->readAllStandardError();
    if (m_process->exitStatus() != QProcess::NormalExit)
        return processError(u"pems-sim crashed"_s, m_stderr);
    return m_process->exitCode();
}

bool PemsSimProcess::isRunning() const
{
    return m_process && m_process->state() != QProcess::NotRunning;
}

QUrl PemsSimProcess::baseUrl() const
{
    QUrl url;
    url.setScheme(u"http"_s);
    url.setHost(u"127.0.0.1"_s);
    url.setPort(m_port);
    return url;
}

QUrl PemsSimProcess::url(const QString& pathAndQuery) const
{
    return QUrl(baseUrl().toString() + pathAndQuery);
}

QByteArray PemsSimProcess::standardError()
{
    if (m_process)
        m_stderr += m_process->readAllStandardError();
    return m_stderr;
}

Expected<PemsSimProcess::Reply> PemsSimProcess::admin(const QByteArray& method, const QString& path,
                                                      const nlohmann::json& body, int timeoutMs)
{
    if (!m_network) {
        m_network = std::make_unique<QNetworkAccessManager>();
        m_network->setProxy(QNetworkProxy::NoProxy);
    }
    QNetworkRequest request(url(path));
    request.setRawHeader("X-Admin-Key", m_adminKey);
    request.setHeader(QNetworkRequest::ContentTypeHeader, QByteArrayLiteral("application/json"));
    request.setTransferTimeout(timeoutMs);
    const QByteArray payload =
        body.is_null() ? QByteArray() : QByteArray::fromStdString(body.dump());
    std::unique_ptr<QNetworkReply> reply(m_network->sendCustomRequest(request, method, payload));
    if (!reply->isFinished()) {
        QEventLoop loop;
        QTimer::singleShot(timeoutMs + 1000, &loop, &QEventLoop::quit);
        QObject::connect(reply.get(), &QNetworkReply::finished, &loop, &QEventLoop::quit);
        loop.exec();
    }
    if (!reply->isFinished())
        return fail(ErrorCode::Io,
                    u"%1 %2: no answer within %3 ms"_s.arg(QString::fromLatin1(method), path)
                        .arg(timeoutMs));
    const int status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    if (status == 0)
        return fail(ErrorCode::Io,
                    u"%1 %2: %3"_s.arg(QString::fromLatin1(method), path, reply->errorString()));
    const QByteArray text = reply->readAll();
    auto json = model::parseJson(text);
    if (!json)
        return fail(ErrorCode::Io, u"%1 %2 answered %3 with a body that is not JSON: %4"_s
                                       .arg(QString::fromLatin1(method), path)
                                       .arg(status)
                                       .arg(QString::fromUtf8(text.left(200))));
    return Reply{status, std::move(*json)};
}

Expected<nlohmann::json> PemsSimProcess::adminOk(const QByteArray& method, const QString& path,
                                                 const nlohmann::json& body)
{
    auto reply = admin(method, path, body);
    if (!reply)
        return std::unexpected(reply.error());
    if (reply->status != 200) {
        Error error{ErrorCode::Internal,
                    u"%1 %2 answered %3: %4"_s.arg(QString::fromLatin1(method), path)
                        .arg(reply->status)
                        .arg(QString::fromStdString(reply->body.dump())),
                    {},
                    QString::number(reply->status)};
        return std::unexpected(std::move(error));
    }
    return std::move(reply->body);
}

Expected<nlohmann::json> PemsSimProcess::stats()
{
    return adminOk("GET", u"/__admin/stats"_s);
}

Expected<void> PemsSimProcess::resetStats()
{
    auto reply = adminOk("POST", u"/__admin/stats/reset"_s);
    if (!reply)
        return std::unexpected(reply.error());
    return {};
}

Expected<void> PemsSimProcess::setFaults(const nlohmann::json& plan)
{
    auto reply = adminOk("PUT", u"/__admin/faults"_s, plan);
    if (!reply)
        return std::unexpected(reply.error());
    return {};
}

Expected<void> PemsSimProcess::clearFaults()
{
    auto reply = adminOk("DELETE", u"/__admin/faults"_s);
    if (!reply)
        return std::unexpected(reply.error());
    return {};
}

Expected<qint64> PemsSimProcess::editRecord(const QString& organizationCode, const QString& pfaId,
                                            const nlohmann::json& changes)
{
    auto reply =
        adminOk("PUT", u"/__admin/records/%1/%2"_s.arg(encoded(organizationCode), encoded(pfaId)),
                {{"changes", changes}});
    if (!reply)
        return std::unexpected(reply.error());
    return reply->at("version").get<qint64>();
}

Expected<qint64> PemsSimProcess::deleteRecord(const QString& organizationCode, const QString& pfaId)
{
    auto reply = adminOk(
        "DELETE", u"/__admin/records/%1/%2"_s.arg(encoded(organizationCode), encoded(pfaId)));
    if (!reply)
        return std::unexpected(reply.error());
    return reply->at("version").get<qint64>();
}

Expected<nlohmann::json> PemsSimProcess::record(const QString& organizationCode,
                                                const QString& pfaId)
{
    return adminOk("GET",
                   u"/__admin/records/%1/%2"_s.arg(encoded(organizationCode), encoded(pfaId)));
}

Expected<nlohmann::json> PemsSimProcess::idempotency(const QString& key)
{
    return adminOk("GET", u"/__admin/idempotency/%1"_s.arg(encoded(key)));
}

} // namespace pfa::app
