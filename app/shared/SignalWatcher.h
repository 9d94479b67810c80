#pragma once

#include <QObject>
#include <QSocketNotifier>

#include <initializer_list>
#include <memory>
#include <vector>

namespace pfa::app {

// Turns SIGINT/SIGTERM into a Qt signal on the event loop (the self-pipe trick), so shutdown
// runs as ordinary code (pems-sim writes its snapshot, the worker drains) before quitting.
class SignalWatcher final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(SignalWatcher)

public:
    // One watcher per process.
    explicit SignalWatcher(std::initializer_list<int> signalNumbers, QObject* parent = nullptr);
    ~SignalWatcher() override;

Q_SIGNALS:
    void received(int signalNumber);

private:
    std::unique_ptr<QSocketNotifier> m_notifier;
    std::vector<int> m_signalNumbers;
};

} // namespace pfa::app
