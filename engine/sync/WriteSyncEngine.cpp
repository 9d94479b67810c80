#include "sync/WriteSyncEngine.h"

#include "db/Database.h"
#include "db/JobRepository.h"
#include "sync/SyncLog.h"
#include "sync/WriteSwitch.h"
#include "sync/WriteWorker.h"

#include <QEventLoop>
#include <QThread>

using namespace Qt::StringLiterals;

namespace pfa::sync {

WriteSyncEngine::WriteSyncEngine(db::Database& database, WorkerConfig config, QObject* parent)
    : QObject(parent)
    , m_database(database)
    , m_config(std::move(config))
    , m_metrics(std::make_shared<SyncMetrics>())
    , m_cycleJobs(std::make_shared<CycleJobs>())
{}

WriteSyncEngine::~WriteSyncEngine()
{
    stopAndWait();
}

void WriteSyncEngine::start()
{
    if (m_thread)
        return;
    m_thread = std::make_unique<QThread>();
    m_thread->setObjectName(u"pfa-write-worker"_s);
    auto* worker =
        new WriteWorker(m_database, m_config, m_metrics, m_cycleJobs); // deleted in its thread
    worker->moveToThread(m_thread.get());
    m_worker = worker;
    connect(m_thread.get(), &QThread::started, worker, &WriteWorker::start);
    connect(m_thread.get(), &QThread::finished, worker, &QObject::deleteLater);
    connect(worker, &WriteWorker::started, this, [this] {
        m_running = true;
        Q_EMIT started();
    });
    connect(worker, &WriteWorker::startFailed, this, [this](const QString& message) {
        qCCritical(lcSync).noquote() << "the write worker cannot start:" << message;
        m_thread->quit();
        m_thread->wait();
        m_thread.reset();
        Q_EMIT startFailed(message);
    });
    connect(worker, &WriteWorker::stopped, this, [this] {
        m_running = false;
        if (m_thread) {
            m_thread->quit();
            m_thread->wait();
            m_thread.reset();
        }
        Q_EMIT stopped();
    });
    m_thread->start();
}

void WriteSyncEngine::stop()
{
    if (m_worker)
        QMetaObject::invokeMethod(m_worker, &WriteWorker::stop, Qt::QueuedConnection);
}

void WriteSyncEngine::stopAndWait()
{
    if (!m_thread)
        return;
    QEventLoop loop;
    connect(this, &WriteSyncEngine::stopped, &loop, &QEventLoop::quit);
    connect(this, &WriteSyncEngine::startFailed, &loop, &QEventLoop::quit);
    stop();
    if (m_thread)
        loop.exec();
}

bool WriteSyncEngine::isRunning() const
{
    return m_running;
}

void WriteSyncEngine::wake()
{
    if (m_worker)
        QMetaObject::invokeMethod(m_worker, &WriteWorker::wake, Qt::QueuedConnection);
}

Expected<model::SyncJob> WriteSyncEngine::syncNow(qint64 organizationId,
                                                  std::optional<qint64> requestedBy,
                                                  model::JobTrigger trigger, const QString& actor)
{
    auto connection = m_database.connection();
    if (!connection)
        return std::unexpected(connection.error());
    auto job = db::JobRepository(*connection).create(organizationId, trigger, requestedBy, actor);
    if (!job)
        return job;
    // Before returning: every claim decided from now on puts this organization's items in it.
    adopt(organizationId, job->id);
    return job;
}

void WriteSyncEngine::adopt(qint64 organizationId, qint64 jobId)
{
    m_cycleJobs->adopt(organizationId, jobId);
    wake();
}

Expected<void> WriteSyncEngine::pause(std::optional<qint64> organizationId, const QString& reason,
                                      const QString& actor)
{
    auto connection = m_database.connection();
    if (!connection)
        return std::unexpected(connection.error());
    return pauseWrites(*connection, organizationId, reason, actor);
}

Expected<void> WriteSyncEngine::resume(std::optional<qint64> organizationId, const QString& actor)
{
    auto connection = m_database.connection();
    if (!connection)
        return std::unexpected(connection.error());
    return resumeWrites(*connection, organizationId, actor);
}

} // namespace pfa::sync
