#pragma once

#include <QObject>
#include <QString>
#include <QTimer>

namespace pfa::sim {

struct SimState;

// Writes the snapshot every few seconds when something changed, and once more on shutdown.
class SnapshotKeeper final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(SnapshotKeeper)

public:
    static constexpr int IntervalMs = 2000;

    // upToDate: the file already holds the store as it is (it was just loaded from it).
    SnapshotKeeper(SimState& state, QString path, bool upToDate, QObject* parent = nullptr);

    // Writes now if anything changed since the last write; false (logged) when writing failed.
    bool saveIfChanged();

private:
    SimState& m_state;
    QString m_path;
    QTimer m_timer;
    quint64 m_savedSequence; // the store's sequence() when last written; 0 = never written
};

} // namespace pfa::sim
