#pragma once

#include "model/Error.h"

#include <QByteArray>
#include <QString>
#include <QStringList>
#include <QUrl>

#include <nlohmann/json.hpp>

#include <memory>

class QNetworkAccessManager;
class QProcess;

namespace pfa::app {

// A pems-sim child process (for tests, benchmarks and the demo): the binary (the environment
// variable PEMS_SIM_BINARY, else a pems-sim next to this executable, else the one of this build
// tree) started with
// --host 127.0.0.1 --port 0 plus the test's arguments, found by the one line it prints, and
// stopped with SIGTERM. The admin helpers talk real HTTP and wait on a signal with a bound.
class PemsSimProcess final
{
public:
    static constexpr int DefaultTimeoutMs = 15000;

    PemsSimProcess();
    ~PemsSimProcess(); // stops the process if it still runs
    PemsSimProcess(const PemsSimProcess&) = delete;
    PemsSimProcess& operator=(const PemsSimProcess&) = delete;

    [[nodiscard]] static QString binaryPath();
    [[nodiscard]] static QByteArray defaultApiKey();   // "sim-key": every organization
    [[nodiscard]] static QByteArray defaultAdminKey(); // "sim-admin"

    // Starts it and waits (bounded) for "pems-sim listening on http://HOST:PORT". When it exits
    // or stays silent instead, the error carries its standard error.
    [[nodiscard]] Expected<void> start(const QStringList& arguments = {},
                                       int timeoutMs = DefaultTimeoutMs);
    // SIGTERM (or another signal) and a bounded wait for the exit (SIGKILL and an error past
    // it); the exit code.
    [[nodiscard]] Expected<int> stop(int timeoutMs = DefaultTimeoutMs, int signalNumber = 15);
    [[nodiscard]] bool isRunning() const;

    [[nodiscard]] quint16 port() const { return m_port; }
    // http://127.0.0.1:PORT
    [[nodiscard]] QUrl baseUrl() const;
    // baseUrl() plus a path and query, e.g. url(u"/api/pems/pfa?organizationCode=RIO"_s).
    [[nodiscard]] QUrl url(const QString& pathAndQuery) const;
    // Everything the process wrote to standard error so far.
    [[nodiscard]] QByteArray standardError();

    // For a process started with --admin-key.
    void setAdminKey(const QByteArray& key) { m_adminKey = key; }

    struct Reply
    {
        int status = 0;
        nlohmann::json body;
    };
    // Any /__admin call; an error only when no HTTP answer came (or it was not JSON).
    [[nodiscard]] Expected<Reply> admin(const QByteArray& method, const QString& path,
                                        const nlohmann::json& body = nullptr,
                                        int timeoutMs = DefaultTimeoutMs);

    // The helpers below fail (Error::detail = the HTTP status) unless the answer is a 200.
    [[nodiscard]] Expected<nlohmann::json> stats();
    [[nodiscard]] Expected<void> resetStats();
    [[nodiscard]] Expected<void> setFaults(const nlohmann::json& plan);
    [[nodiscard]] Expected<void> clearFaults();
    // An edit "from the PEMS side" (creates the record when absent); the new version.
    [[nodiscard]] Expected<qint64> editRecord(const QString& organizationCode, const QString& pfaId,
                                              const nlohmann::json& changes);
    // Makes a tombstone; the new version.
    [[nodiscard]] Expected<qint64> deleteRecord(const QString& organizationCode,
                                                const QString& pfaId);
    // The record with its full history (tombstones too).
    [[nodiscard]] Expected<nlohmann::json> record(const QString& organizationCode,
                                                  const QString& pfaId);
    // {requests, applications, answered} of one Idempotency-Key.
    [[nodiscard]] Expected<nlohmann::json> idempotency(const QString& key);

private:
    [[nodiscard]] Expected<nlohmann::json> adminOk(const QByteArray& method, const QString& path,
                                                   const nlohmann::json& body = nullptr);

    std::unique_ptr<QProcess> m_process;
    std::unique_ptr<QNetworkAccessManager> m_network;
    QByteArray m_stderr;
    QByteArray m_adminKey;
    quint16 m_port = 0;
};

} // namespace pfa::app
