#include "support/WorkerProcess.h"

#include "support/SyncFixture.h"

#include <QDeadlineTimer>
#include <QProcess>

#include <csignal>
#include <sys/prctl.h>

using namespace Qt::StringLiterals;

namespace pfa::test {

namespace {

std::unexpected<Error> processError(const QString& message, const QByteArray& output)
{
    QString text = message;
    if (!output.trimmed().isEmpty())
        text += u"; it printed:\n"_s + QString::fromUtf8(output.trimmed().right(4000));
    return fail(ErrorCode::Io, text);
}

} // namespace

WorkerProcess::WorkerProcess(QString binary, QString workerId, QProcessEnvironment environment)
    : m_binary(std::move(binary))
    , m_workerId(std::move(workerId))
    , m_environment(std::move(environment))
    , m_arguments{u"worker"_s, u"--worker-id"_s, m_workerId}
    , m_readyMarker("pfa-sync worker " + m_workerId.toUtf8() + " running")
{}

WorkerProcess::~WorkerProcess()
{
    if (isRunning())
        kill();
}

std::unique_ptr<WorkerProcess> WorkerProcess::service(QString binary,
                                                      QProcessEnvironment environment)
{
    environment.insert(u"SERVICE_LISTEN_ADDRESS"_s, u"127.0.0.1"_s);
    environment.insert(u"SERVICE_PORT"_s, u"0"_s);
    auto process =
        std::make_unique<WorkerProcess>(std::move(binary), u"service"_s, std::move(environment));
    process->m_arguments = {u"--service"_s, u"--log-format"_s, u"json"_s};
    process->m_readyMarker = "pfa-sync service listening on ";
    return process;
}

quint16 WorkerProcess::servicePort() const
{
    // "pfa-sync service listening on http://127.0.0.1:PORT (…)"
    const qsizetype at = m_output.indexOf(m_readyMarker, m_runStart);
    if (at < 0)
        return 0;
    const qsizetype end = m_output.indexOf(' ', at + m_readyMarker.size());
    const QByteArray url = m_output.mid(at + m_readyMarker.size(), end - at - m_readyMarker.size());
    return quint16(url.mid(url.lastIndexOf(':') + 1).toUInt());
}

QProcessEnvironment WorkerProcess::environment(SyncFixture& fixture, const WorkerSettings& settings)
{
    QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
    environment.insert(u"DATABASE_URL"_s, fixture.db().url());
    environment.insert(u"PEMS_WRITE_API_URL"_s, fixture.sim().baseUrl().toString());
    environment.insert(u"PEMS_WRITE_API_KEY"_s,
                       QString::fromLatin1(PemsSimProcess::defaultApiKey()));
    environment.insert(u"ENABLE_WRITE_SYNC"_s, u"true"_s);
    environment.insert(u"PEMS_API_RATE_LIMIT"_s, QString::number(settings.rateLimit));
    environment.insert(u"WRITE_SYNC_CONCURRENCY"_s, QString::number(settings.concurrency));
    environment.insert(u"WRITE_SYNC_BATCH_SIZE"_s, QString::number(settings.batchSize));
    environment.insert(u"WRITE_SYNC_RETRY_DELAY"_s, QString::number(settings.retryDelayMs));
    return environment;
}

Expected<void> WorkerProcess::start(int timeoutMs)
{
    if (auto launched = launch(timeoutMs); !launched)
        return launched;
    return waitUntilRunning(timeoutMs);
}

Expected<void> WorkerProcess::launch(int timeoutMs)
{
    if (isRunning())
        return fail(ErrorCode::Internal, u"worker %1 is already running"_s.arg(m_workerId));
    m_process = std::make_unique<QProcess>();
    m_process->setProcessChannelMode(QProcess::MergedChannels);
    m_process->setProcessEnvironment(m_environment);
    m_process->setProgram(m_binary);
    m_process->setArguments(m_arguments);
    // A test that is killed (a CTest timeout) must not leave workers behind: they would outlive
    // its database and loop on errors.
    m_process->setChildProcessModifier([] { ::prctl(PR_SET_PDEATHSIG, SIGKILL); });
    // Read as the output arrives, so the pipe never fills while the test polls the database.
    QObject::connect(m_process.get(), &QProcess::readyReadStandardOutput, m_process.get(),
                     [this] { collect(); });
    m_runStart = m_output.size();
    m_process->start(QIODevice::ReadOnly);
    if (!m_process->waitForStarted(timeoutMs))
        return processError(u"cannot start %1: %2"_s.arg(m_binary, m_process->errorString()),
                            m_output.mid(m_runStart));
    return {};
}

Expected<void> WorkerProcess::waitUntilRunning(int timeoutMs)
{
    if (!m_process)
        return fail(ErrorCode::Internal, u"worker %1 was not started"_s.arg(m_workerId));
    const QByteArray& ready = m_readyMarker;
    const QDeadlineTimer deadline(timeoutMs);
    while (!deadline.hasExpired()) {
        collect();
        if (m_output.indexOf(ready, m_runStart) >= 0)
            return {};
        if (m_process->state() != QProcess::Running) {
            collect();
            return processError(
                u"worker %1 exited with code %2 before it was running"_s.arg(m_workerId)
                    .arg(m_process->exitCode()),
                m_output.mid(m_runStart));
        }
        m_process->waitForReadyRead(int(std::max<qint64>(deadline.remainingTime(), 1)));
    }
    collect();
    kill();
    return processError(
        u"worker %1 did not report running within %2 ms"_s.arg(m_workerId).arg(timeoutMs),
        m_output.mid(m_runStart));
}

void WorkerProcess::kill()
{
    if (!isRunning())
        return;
    m_process->kill(); // SIGKILL: no handler runs, nothing is flushed or released
    m_process->waitForFinished(DefaultTimeoutMs);
    collect();
}

Expected<int> WorkerProcess::stop(int timeoutMs)
{
    if (!m_process)
        return fail(ErrorCode::Internal, u"worker %1 was not started"_s.arg(m_workerId));
    if (isRunning()) {
        m_process->terminate();
        if (!m_process->waitForFinished(timeoutMs)) {
            kill();
            return processError(
                u"worker %1 did not exit within %2 ms of SIGTERM"_s.arg(m_workerId).arg(timeoutMs),
                m_output);
        }
    }
    collect();
    if (m_process->exitStatus() != QProcess::NormalExit)
        return processError(u"worker %1 crashed"_s.arg(m_workerId), m_output);
    return m_process->exitCode();
}

bool WorkerProcess::isRunning() const
{
    return m_process && m_process->state() != QProcess::NotRunning;
}

qint64 WorkerProcess::processId() const
{
    return m_process ? m_process->processId() : 0;
}

QByteArray WorkerProcess::output()
{
    collect();
    return m_output;
}

void WorkerProcess::collect()
{
    if (m_process)
        m_output += m_process->readAllStandardOutput();
}

} // namespace pfa::test
