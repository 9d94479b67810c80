#pragma once

#include "pems/ExchangeInfo.h"
#include "pems/ListQuery.h"
#include "pems/PemsConfig.h"
#include "pems/PemsDialect.h"
#include "pems/PemsOutcome.h"
#include "pems/RecordKey.h"
#include "pems/RemoveRequest.h"
#include "pems/UpdateRequest.h"

#include <QElapsedTimer>
#include <QObject>
#include <QPointer>
#include <QSet>
#include <QUuid>

#include <atomic>
#include <functional>
#include <memory>
#include <optional>

class QNetworkAccessManager;
class QNetworkReply;

namespace pfa::pems {

// Talks to one PEMS installation over HTTP. Asynchronous: every call returns at once and later
// invokes its callback exactly once with a typed outcome (never an exception, never a blocking
// wait) — unless the context object or the client is destroyed first, in which case it is never
// invoked. Callbacks run in the context's thread: directly when that is the client's thread
// (the usual case), else queued. A null context means "as long as the client lives".
//
// The client owns the HTTP mechanics: authentication headers, the Idempotency-Key, Qt's transfer
// timeout (PemsConfig::timeout), no redirects, TLS verification as Qt does it (errors are never
// ignored), transport failures as Transient outcomes, and one debug line per request in category
// pfa.pems (operation, method, path, status, duration, outcome; the key shown as "***"). The
// dialect owns the wire format. The client never retries: that is the worker's policy.
//
// Threading: use the client from the thread it lives in, which must be the thread of the injected
// QNetworkAccessManager. The manager is not owned and must outlive the client; it allows six
// parallel connections per host (HTTP/1.1 keep-alive) and queues the rest, so a caller wanting
// more requests in flight toward one PEMS uses several managers (and clients).
class PemsClient final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(PemsClient)

public:
    using WriteCallback = std::function<void(WriteOutcome, ExchangeInfo)>;
    using RecordCallback = std::function<void(RecordOutcome, ExchangeInfo)>;
    using PageCallback = std::function<void(PageOutcome, ExchangeInfo)>;
    using HealthCallback = std::function<void(PemsHealth)>;

    // An invalid config (PemsConfig::validate) makes every call fail with Permanent, without
    // sending; the composition root validates first and refuses to start.
    PemsClient(QNetworkAccessManager* network, PemsConfig config,
               std::unique_ptr<PemsDialect> dialect, QObject* parent = nullptr);
    // Aborts every request in flight; none of their callbacks runs.
    ~PemsClient() override;

    // PUT: apply request.changes on top of request.version. The same idempotencyKey must be used
    // for every attempt of one change (a null key is refused as Permanent).
    void update(const UpdateRequest& request, const QUuid& idempotencyKey, QObject* context,
                WriteCallback callback);
    // DELETE request.version of the record; idempotencyKey as for update.
    void remove(const RemoveRequest& request, const QUuid& idempotencyKey, QObject* context,
                WriteCallback callback);
    // GET one record (a 404 is Permanent; isNotFound() tells).
    void get(const RecordKey& key, QObject* context, RecordCallback callback);
    // GET one page of records updated since a watermark.
    void list(const ListQuery& query, QObject* context, PageCallback callback);
    // GET the health endpoint: healthy and latency (failures give healthy = false and the reason).
    void health(QObject* context, HealthCallback callback);

    // Requests sent and not yet answered.
    [[nodiscard]] int inFlightCount() const;
    [[nodiscard]] const PemsConfig& config() const;
    [[nodiscard]] const PemsDialect& dialect() const;

private:
    // A complete response, or a failure found instead of one.
    using Received = std::expected<HttpResponse, PemsFailure>;
    // What to do with a result: the outcome summary for the log line, and the delivery to the
    // caller (run after logging, since a callback may destroy the client).
    struct Completion
    {
        QString summary;
        std::function<void()> deliver;
    };
    using Handler = std::function<Completion(Received, ExchangeInfo)>;

    // Where and whether a callback may still run.
    struct Delivery
    {
        QPointer<QObject> context;
        std::shared_ptr<std::atomic_bool> clientAlive;
    };

    void send(QLatin1StringView operation, Expected<PreparedRequest> prepared,
              std::optional<QUuid> idempotencyKey, Handler handler);
    void refuse(QLatin1StringView operation, PemsFailure failure, Handler handler);
    void finished(QNetworkReply* reply, QLatin1StringView operation, const QByteArray& verb,
                  qint64 startedMs, const std::optional<QUuid>& idempotencyKey,
                  const Handler& handler);
    void logExchange(QLatin1StringView operation, const QByteArray& verb, const QString& target,
                     int httpStatus, qint64 durationMs, const QString& summary,
                     const std::optional<QUuid>& idempotencyKey) const;
    [[nodiscard]] Delivery deliveryFor(QObject* context);
    [[nodiscard]] QString redacted(QString text) const;
    void redact(PemsFailure& failure) const;

    template<typename Fn>
    static void deliverTo(const Delivery& delivery, Fn call);
    // The handler all four record calls share: the dialect reads the response (it also gets the
    // original request), or the transport failure is passed on; then log and deliver.
    template<typename T, typename Request>
    [[nodiscard]] Handler
    parsingHandler(Request request,
                   Outcome<T> (PemsDialect::*parse)(const Request&, const HttpResponse&) const,
                   QObject* context, std::function<void(Outcome<T>, ExchangeInfo)> callback);
    template<typename T>
    [[nodiscard]] Completion
    complete(Outcome<T> outcome, ExchangeInfo info, const Delivery& delivery,
             const std::function<void(Outcome<T>, ExchangeInfo)>& callback);

    QPointer<QNetworkAccessManager> m_network;
    PemsConfig m_config;
    std::unique_ptr<PemsDialect> m_dialect;
    std::optional<Error> m_configError;
    QByteArray m_authHeaderName;
    QByteArray m_authHeaderValue;
    QSet<QNetworkReply*> m_inFlight;
    QElapsedTimer m_clock; // monotonic, for durations
    std::shared_ptr<std::atomic_bool> m_alive = std::make_shared<std::atomic_bool>(true);
};

} // namespace pfa::pems
