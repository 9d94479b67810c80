#include "WorkerProcess.h"

#include <QDeadlineTimer>
#include <QFile>
#include <QProcessEnvironment>

#include <csignal>

using namespace Qt::StringLiterals;

namespace pfa::bench {

WorkerProcess::WorkerProcess()
    : m_process(std::make_unique<QProcess>())
{}

WorkerProcess::~WorkerProcess()
{
    if (isRunning()) {
        m_process->kill();
        m_process->waitForFinished(5000);
    }
}

QString WorkerProcess::binaryPath()
{
    const QString overridden = qEnvironmentVariable("PFA_SYNC_BINARY");
    return overridden.isEmpty() ? QStringLiteral(PFA_SYNC_BINARY) : overridden;
}

Expected<void> WorkerProcess::start(const WorkerSettings& settings, int timeoutMs)
{
    QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
    environment.insert(u"DATABASE_URL"_s, settings.databaseUrl);
    environment.insert(u"PEMS_WRITE_API_URL"_s, settings.pemsUrl.toString());
    environment.insert(u"PEMS_WRITE_API_KEY"_s, settings.apiKey);
    environment.insert(u"PEMS_API_RATE_LIMIT"_s, QString::number(settings.rateLimit));
    environment.insert(u"WRITE_SYNC_CONCURRENCY"_s, QString::number(settings.concurrency));
    environment.insert(u"WRITE_SYNC_BATCH_SIZE"_s, QString::number(settings.batchSize));
    environment.insert(u"ENABLE_WRITE_SYNC"_s, u"true"_s);
    // Routine info lines from every batch would drown the progress lines; warnings stay.
    if (!environment.contains(u"QT_LOGGING_RULES"_s))
        environment.insert(u"QT_LOGGING_RULES"_s, u"pfa.*.info=false"_s);
    m_process->setProcessEnvironment(environment);
    m_process->setProgram(binaryPath());
    m_process->setArguments({u"worker"_s, u"--worker-id"_s, settings.workerId});
    m_process->setProcessChannelMode(QProcess::ForwardedErrorChannel);
    m_process->start(QIODevice::ReadOnly);
    if (!m_process->waitForStarted(timeoutMs))
        return fail(ErrorCode::Io,
                    u"cannot start %1: %2"_s.arg(binaryPath(), m_process->errorString()));

    const QString expected = u"pfa-sync worker %1 running"_s.arg(settings.workerId);
    const QDeadlineTimer deadline(timeoutMs);
    while (!deadline.hasExpired()) {
        if (m_process->canReadLine()) {
            const QString line = QString::fromUtf8(m_process->readLine()).trimmed();
            if (line == expected)
                return {};
            continue; // anything else it prints first is not ours to judge
        }
        if (m_process->state() != QProcess::Running)
            return fail(ErrorCode::Io, u"the worker exited with code %1 before it ran (its"
                                       " standard error is above)"_s.arg(m_process->exitCode()));
        m_process->waitForReadyRead(int(std::max<qint64>(deadline.remainingTime(), 1)));
    }
    return fail(ErrorCode::Io,
                u"the worker did not report \"running\" within %1 ms"_s.arg(timeoutMs));
}

bool WorkerProcess::isRunning() const
{
    return m_process->state() != QProcess::NotRunning;
}

Expected<double> WorkerProcess::peakRssMb() const
{
    const QString path = u"/proc/%1/status"_s.arg(m_process->processId());
    QFile status(path);
    if (!status.open(QIODevice::ReadOnly | QIODevice::Text))
        return fail(ErrorCode::Io, u"cannot read %1: %2"_s.arg(path, status.errorString()));
    // "VmHWM:     123456 kB": the high-water mark of the resident set.
    for (QByteArray line = status.readLine(); !line.isEmpty(); line = status.readLine()) {
        if (!line.startsWith("VmHWM:"))
            continue;
        const QList<QByteArray> parts = line.mid(6).simplified().split(' ');
        bool ok = false;
        const qint64 kiB = parts.value(0).toLongLong(&ok);
        if (ok)
            return double(kiB) / 1024.0;
    }
    return fail(ErrorCode::Io, u"%1 holds no readable VmHWM line"_s.arg(path));
}

Expected<void> WorkerProcess::stop(int timeoutMs)
{
    if (!isRunning()) {
        return fail(ErrorCode::Io,
                    u"the worker had already exited (code %1)"_s.arg(m_process->exitCode()));
    }
    ::kill(static_cast<pid_t>(m_process->processId()), SIGTERM);
    if (!m_process->waitForFinished(timeoutMs)) {
        m_process->kill();
        m_process->waitForFinished(5000);
        return fail(ErrorCode::Io,
                    u"the worker did not stop within %1 ms of SIGTERM"_s.arg(timeoutMs));
    }
    if (m_process->exitStatus() != QProcess::NormalExit)
        return fail(ErrorCode::Io, u"the worker crashed while stopping"_s);
    if (m_process->exitCode() != 0)
        return fail(ErrorCode::Io,
                    u"the worker exited with code %1 after SIGTERM"_s.arg(m_process->exitCode()));
    return {};
}

} // namespace pfa::bench
