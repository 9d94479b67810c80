#pragma once

#include "model/Error.h"

#include <QProcess>
#include <QString>
#include <QUrl>

#include <memory>
#include <optional>

namespace pfa::bench {

struct ServiceSettings
{
    QString databaseUrl;
    QUrl pemsUrl;                    // PEMS_WRITE_API_URL: the worker's PEMS and the health probe's
    QString apiKey;                  // PEMS_WRITE_API_KEY
    bool writeSync = false;          // ENABLE_WRITE_SYNC: run the write worker inside the service
    int pemsRateLimit = 10;          // PEMS_API_RATE_LIMIT
    int writeRequestsPerSecond = 10; // SERVICE_WRITE_RATE_LIMIT, per token
};

// `pfa-sync --service` as a child process on 127.0.0.1 and a free port, configured through its
// environment as an installation would be, so the API benchmarks measure the shipped binary and
// its memory is its own (read from /proc/PID/status). Its log goes to our standard error.
class ApiServiceProcess final
{
public:
    static constexpr int StartTimeoutMs = 60'000;
    static constexpr int StopTimeoutMs = 30'000;

    ApiServiceProcess();
    ~ApiServiceProcess(); // SIGKILL if it still runs: stop() is the graceful way
    ApiServiceProcess(const ApiServiceProcess&) = delete;
    ApiServiceProcess& operator=(const ApiServiceProcess&) = delete;

    // Starts it and waits (bounded) for "pfa-sync service listening on http://…:PORT".
    [[nodiscard]] Expected<void> start(const ServiceSettings& settings, int timeoutMs);
    [[nodiscard]] bool isRunning() const;
    [[nodiscard]] QUrl baseUrl() const { return m_baseUrl; }
    // VmRSS (now) and VmHWM (the peak so far) of /proc/PID/status, in MiB.
    [[nodiscard]] Expected<double> rssMb() const;
    [[nodiscard]] Expected<double> peakRssMb() const;
    // SIGTERM and a bounded wait; an error unless it exits with code 0.
    [[nodiscard]] Expected<void> stop(int timeoutMs);

private:
    [[nodiscard]] Expected<double> statusFieldMb(const QByteArray& field) const;

    std::unique_ptr<QProcess> m_process;
    QUrl m_baseUrl;
};

} // namespace pfa::bench
