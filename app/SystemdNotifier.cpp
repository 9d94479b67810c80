#include "SystemdNotifier.h"

#include <systemd/sd-daemon.h>

#include <chrono>

namespace pfa::app {

SystemdNotifier::SystemdNotifier(QObject* parent)
    : QObject(parent)
{
    connect(&m_watchdog, &QTimer::timeout, this, &SystemdNotifier::ping);
}

void SystemdNotifier::ready(std::function<bool()> healthy)
{
    m_healthy = std::move(healthy);
    sd_notify(0, "READY=1");
    uint64_t watchdogUsec = 0;
    if (sd_watchdog_enabled(0, &watchdogUsec) > 0 && watchdogUsec > 0) {
        m_watchdog.start(std::chrono::milliseconds(watchdogUsec / 2000));
        ping();
    }
}

void SystemdNotifier::stopping()
{
    m_watchdog.stop();
    sd_notify(0, "STOPPING=1");
}

void SystemdNotifier::ping()
{
    if (!m_healthy || m_healthy())
        sd_notify(0, "WATCHDOG=1");
}

} // namespace pfa::app
