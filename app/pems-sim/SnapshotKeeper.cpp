#include "SnapshotKeeper.h"

#include "SimLog.h"
#include "SimSnapshot.h"
#include "SimStore.h"

namespace pfa::sim {

SnapshotKeeper::SnapshotKeeper(const SimStore& store, QString path, bool upToDate, QObject* parent)
    : QObject(parent)
    , m_store(store)
    , m_path(std::move(path))
    , m_savedSequence(upToDate ? store.sequence() : 0)
{
    m_timer.setInterval(IntervalMs);
    connect(&m_timer, &QTimer::timeout, this, [this] { saveIfChanged(); });
    m_timer.start();
}

bool SnapshotKeeper::saveIfChanged()
{
    const quint64 sequence = m_store.sequence();
    if (sequence == m_savedSequence && m_savedSequence != 0)
        return true;
    if (auto saved = SimSnapshot::save(m_store, m_path); !saved) {
        qCWarning(lcSim).noquote() << saved.error().message;
        return false;
    }
    m_savedSequence = sequence;
    qCDebug(lcSim).noquote() << "snapshot written to" << m_path << "at change" << sequence;
    return true;
}

} // namespace pfa::sim
