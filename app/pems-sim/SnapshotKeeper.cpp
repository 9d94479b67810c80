#include "SnapshotKeeper.h"

#include "SimLog.h"
#include "SimSnapshot.h"
#include "SimState.h"

#include <QMutexLocker>

namespace pfa::sim {

SnapshotKeeper::SnapshotKeeper(SimState& state, QString path, bool upToDate, QObject* parent)
    : QObject(parent)
    , m_state(state)
    , m_path(std::move(path))
    , m_savedSequence(upToDate ? state.store.sequence() : 0)
{
    m_timer.setInterval(IntervalMs);
    connect(&m_timer, &QTimer::timeout, this, [this] { saveIfChanged(); });
    m_timer.start();
}

bool SnapshotKeeper::saveIfChanged()
{
    std::string text;
    quint64 sequence = 0;
    {
        const QMutexLocker lock(&m_state.mutex);
        sequence = m_state.store.sequence();
        if (sequence == m_savedSequence && m_savedSequence != 0)
            return true;
        text = SimSnapshot::serialize(m_state.store);
    }
    if (auto saved = SimSnapshot::write(text, m_path); !saved) {
        qCWarning(lcSim).noquote() << saved.error().message;
        return false;
    }
    m_savedSequence = sequence;
    qCDebug(lcSim).noquote() << "snapshot written to" << m_path << "at change" << sequence;
    return true;
}

} // namespace pfa::sim
