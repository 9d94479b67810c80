#include "sync/OutcomeRecorder.h"

#include "db/Database.h"
#include "sync/SyncLog.h"

using namespace std::chrono_literals;

namespace pfa::sync {

namespace {

// A batch this large is written at once; a smaller one waits up to GatherWait for more.
constexpr std::size_t GatherTarget = 32;
constexpr auto GatherWait = 2ms;

} // namespace

OutcomeRecorder::OutcomeRecorder(db::Database& database, QString workerId)
    : m_database(database)
    , m_workerId(std::move(workerId))
    , m_gatherTimer(this)
    , m_retryTimer(this)
{
    m_gatherTimer.setSingleShot(true);
    m_gatherTimer.setTimerType(Qt::PreciseTimer);
    connect(&m_gatherTimer, &QTimer::timeout, this, &OutcomeRecorder::scheduleWrite);
    m_retryTimer.setSingleShot(true);
    connect(&m_retryTimer, &QTimer::timeout, this, &OutcomeRecorder::write);
}

OutcomeRecorder::~OutcomeRecorder() = default;

void OutcomeRecorder::record(std::vector<db::CompletedItem> completed,
                             std::vector<db::SettledItem> settled, bool urgent)
{
    std::ranges::move(completed, std::back_inserter(m_completed));
    std::ranges::move(settled, std::back_inserter(m_settled));
    if (urgent || m_completed.size() + m_settled.size() >= GatherTarget)
        scheduleWrite();
    else if (!m_gatherTimer.isActive() && !m_writeScheduled)
        m_gatherTimer.start(GatherWait);
}

void OutcomeRecorder::scheduleWrite()
{
    // Queued behind the hand-overs already waiting, so they are all written together.
    if (m_writeScheduled || m_retryTimer.isActive())
        return;
    m_writeScheduled = true;
    QMetaObject::invokeMethod(this, &OutcomeRecorder::write, Qt::QueuedConnection);
}

void OutcomeRecorder::write()
{
    m_writeScheduled = false;
    m_gatherTimer.stop();
    if (m_completed.empty() && m_settled.empty())
        return;
    if (!m_batches) {
        // A lost session stays closed; asking for the thread's connection again reopens it.
        auto connection = m_database.connection();
        if (!connection) {
            qCWarning(lcSync).noquote() << "database:" << connection.error().message;
            m_retryTimer.start(1s);
            return;
        }
        m_batches = std::make_unique<db::WriteBatchRepository>(*connection, m_workerId);
    }
    int written = 0;
    if (!m_completed.empty()) {
        if (auto done = m_batches->complete(m_completed); !done) {
            qCWarning(lcSync).noquote() << "database:" << done.error().message;
            m_batches.reset();
            m_retryTimer.start(1s);
            return;
        }
        written += int(m_completed.size());
        m_completed.clear();
    }
    if (!m_settled.empty()) {
        if (auto done = m_batches->settle(m_settled); !done) {
            qCWarning(lcSync).noquote() << "database:" << done.error().message;
            m_batches.reset();
            if (written > 0)
                Q_EMIT recorded(written);
            m_retryTimer.start(1s);
            return;
        }
        written += int(m_settled.size());
        m_settled.clear();
    }
    Q_EMIT recorded(written);
}

void OutcomeRecorder::shutdown()
{
    m_gatherTimer.stop();
    m_retryTimer.stop();
    // Leftovers only exist when a stop gave up waiting for the database.
    if (!m_completed.empty() || !m_settled.empty())
        qCWarning(lcSync) << "stop timeout: stopping without recording"
                          << m_completed.size() + m_settled.size() << "outcomes";
    // Never to be written later over a new claim of the same items: they stay leased with their
    // keys, and a restart under the same worker id takes them back and PEMS replays them.
    m_completed.clear();
    m_settled.clear();
    m_batches.reset();
    m_database.releaseThreadConnection();
}

} // namespace pfa::sync
