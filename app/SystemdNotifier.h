#pragma once

#include <QObject>
#include <QTimer>
#include <functional>

namespace pfa::app {

// systemd's Type=notify protocol (sd_notify): READY=1 once the service listens, STOPPING=1 when
// the drain begins, and WATCHDOG=1 at half the unit's WatchdogSec= for as long as `healthy`
// holds, so systemd restarts a service whose worker died rather than one that is merely slow.
// Outside systemd (no NOTIFY_SOCKET) every call does nothing.
class SystemdNotifier final : public QObject
{
    Q_OBJECT

public:
    explicit SystemdNotifier(QObject* parent = nullptr);

    void ready(std::function<bool()> healthy);
    void stopping();

private:
    void ping();

    QTimer m_watchdog;
    std::function<bool()> m_healthy;
};

} // namespace pfa::app
