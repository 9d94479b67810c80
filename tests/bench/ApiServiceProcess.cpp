#include "ApiServiceProcess.h"

#include "WorkerProcess.h"

#include <QDeadlineTimer>
#include <QFile>
#include <QProcessEnvironment>
#include <QRegularExpression>

#include <csignal>

using namespace Qt::StringLiterals;

namespace pfa::bench {

ApiServiceProcess::ApiServiceProcess()
    : m_process(std::make_unique<QProcess>())
{}

ApiServiceProcess::~ApiServiceProcess()
{
    if (isRunning()) {
        m_process->kill();
        m_process->waitForFinished(5000);
    }
}

Expected<void> ApiServiceProcess::start(const ServiceSettings& settings, int timeoutMs)
{
    QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
    environment.insert(u"DATABASE_URL"_s, settings.databaseUrl);
    environment.insert(u"PEMS_WRITE_API_URL"_s, settings.pemsUrl.toString());
    environment.insert(u"PEMS_WRITE_API_KEY"_s, settings.apiKey);
    environment.insert(u"PEMS_API_RATE_LIMIT"_s, QString::number(settings.pemsRateLimit));
    environment.insert(u"ENABLE_WRITE_SYNC"_s, settings.writeSync ? u"true"_s : u"false"_s);
    environment.insert(u"SERVICE_LISTEN_ADDRESS"_s, u"127.0.0.1"_s);
    environment.insert(u"SERVICE_PORT"_s, u"0"_s);
    environment.insert(u"SERVICE_WRITE_RATE_LIMIT"_s,
                       QString::number(settings.writeRequestsPerSecond));
    // A line per request would measure the log, not the API; warnings stay.
    if (!environment.contains(u"QT_LOGGING_RULES"_s))
        environment.insert(u"QT_LOGGING_RULES"_s, u"pfa.*.info=false"_s);
    m_process->setProcessEnvironment(environment);
    m_process->setProgram(WorkerProcess::binaryPath());
    m_process->setArguments({u"--service"_s});
    m_process->setProcessChannelMode(QProcess::ForwardedErrorChannel);
    m_process->start(QIODevice::ReadOnly);
    if (!m_process->waitForStarted(timeoutMs))
        return fail(ErrorCode::Io, u"cannot start %1: %2"_s.arg(WorkerProcess::binaryPath(),
                                                                m_process->errorString()));

    static const QRegularExpression listening(
        u"^pfa-sync service listening on (http://[0-9.]+:[0-9]+)"_s);
    const QDeadlineTimer deadline(timeoutMs);
    while (!deadline.hasExpired()) {
        if (m_process->canReadLine()) {
            const QString line = QString::fromUtf8(m_process->readLine()).trimmed();
            if (const auto match = listening.match(line); match.hasMatch()) {
                m_baseUrl = QUrl(match.captured(1));
                return {};
            }
            continue;
        }
        if (m_process->state() != QProcess::Running)
            return fail(ErrorCode::Io, u"the service exited with code %1 before it listened (its"
                                       " standard error is above)"_s.arg(m_process->exitCode()));
        m_process->waitForReadyRead(int(std::max<qint64>(deadline.remainingTime(), 1)));
    }
    return fail(ErrorCode::Io,
                u"the service did not report \"listening\" within %1 ms"_s.arg(timeoutMs));
}

bool ApiServiceProcess::isRunning() const
{
    return m_process->state() != QProcess::NotRunning;
}

Expected<double> ApiServiceProcess::rssMb() const
{
    return statusFieldMb("VmRSS:");
}

Expected<double> ApiServiceProcess::peakRssMb() const
{
    return statusFieldMb("VmHWM:");
}

Expected<double> ApiServiceProcess::statusFieldMb(const QByteArray& field) const
{
    const QString path = u"/proc/%1/status"_s.arg(m_process->processId());
    QFile status(path);
    if (!status.open(QIODevice::ReadOnly | QIODevice::Text))
        return fail(ErrorCode::Io, u"cannot read %1: %2"_s.arg(path, status.errorString()));
    // "VmRSS:     123456 kB"
    for (QByteArray line = status.readLine(); !line.isEmpty(); line = status.readLine()) {
        if (!line.startsWith(field))
            continue;
        const QList<QByteArray> parts = line.mid(field.size()).simplified().split(' ');
        bool ok = false;
        const qint64 kiB = parts.value(0).toLongLong(&ok);
        if (ok)
            return double(kiB) / 1024.0;
    }
    return fail(ErrorCode::Io,
                u"%1 holds no readable %2 line"_s.arg(path, QString::fromLatin1(field)));
}

Expected<void> ApiServiceProcess::stop(int timeoutMs)
{
    if (!isRunning())
        return fail(ErrorCode::Io,
                    u"the service had already exited (code %1)"_s.arg(m_process->exitCode()));
    ::kill(static_cast<pid_t>(m_process->processId()), SIGTERM);
    if (!m_process->waitForFinished(timeoutMs)) {
        m_process->kill();
        m_process->waitForFinished(5000);
        return fail(ErrorCode::Io,
                    u"the service did not stop within %1 ms of SIGTERM"_s.arg(timeoutMs));
    }
    if (m_process->exitStatus() != QProcess::NormalExit || m_process->exitCode() != 0)
        return fail(ErrorCode::Io,
                    u"the service exited with code %1 after SIGTERM"_s.arg(m_process->exitCode()));
    return {};
}

} // namespace pfa::bench
