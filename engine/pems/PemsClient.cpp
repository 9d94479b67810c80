#include "pems/PemsClient.h"

#include "pems/PemsLog.h"
#include "pems/TransportFailure.h"

#include <QCoreApplication>
#include <QMetaObject>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QThread>

using namespace Qt::StringLiterals;

namespace pfa::pems {

namespace {

// Keys shorter than this are not searched for in messages: replacing every "ab" in a text would
// mangle it without protecting anything (validate() has no minimum; real keys are long).
constexpr qsizetype kMinRedactedKeyLength = 4;

QString summaryOf(const WriteSuccess& success)
{
    return u"success v%1%2%3"_s.arg(QString::number(success.newVersion),
                                    success.deleted ? u" deleted"_s : QString(),
                                    success.replayed ? u" (replayed)"_s : QString());
}

QString summaryOf(const PemsRecord& record)
{
    return u"record v%1%2"_s.arg(QString::number(record.version),
                                 record.deleted ? u" (deleted)"_s : QString());
}

QString summaryOf(const PemsPage& page)
{
    return u"page of %1%2"_s.arg(QString::number(page.records.size()),
                                 page.nextCursor ? u", more"_s : u", last"_s);
}

QString summaryOf(const PemsHealth& health)
{
    return u"health %1"_s.arg(health.status);
}

} // namespace

PemsClient::PemsClient(QNetworkAccessManager* network, PemsConfig config,
                       std::unique_ptr<PemsDialect> dialect, QObject* parent)
    : QObject(parent)
    , m_network(network)
    , m_config(std::move(config))
    , m_dialect(std::move(dialect))
{
    Q_ASSERT(m_network);
    Q_ASSERT(m_dialect);
    m_clock.start();
    if (auto valid = m_config.validate(); !valid) {
        m_configError = valid.error();
        qCWarning(lcPems).noquote()
            << "PEMS client configuration invalid:" << redacted(valid.error().toString());
    }
    if (m_config.authScheme == PemsConfig::AuthScheme::Bearer) {
        m_authHeaderName = m_config.bearerHeader;
        m_authHeaderValue = "Bearer " + m_config.apiKey.toLatin1();
    } else {
        m_authHeaderName = m_config.apiKeyHeader;
        m_authHeaderValue = m_config.apiKey.toLatin1();
    }
}

PemsClient::~PemsClient()
{
    m_alive->store(false);
    // With the manager gone its replies are gone too (they are its children).
    if (!m_network)
        return;
    const QSet<QNetworkReply*> replies = std::exchange(m_inFlight, {});
    for (QNetworkReply* reply : replies) {
        // Disconnect first: abort() emits finished() at once, and no callback may run now.
        disconnect(reply, nullptr, this, nullptr);
        reply->abort();
        reply->deleteLater();
    }
}

template<typename T>
PemsClient::Completion
PemsClient::complete(Outcome<T> outcome, ExchangeInfo info, const Delivery& delivery,
                     const std::function<void(Outcome<T>, ExchangeInfo)>& callback)
{
    if (!outcome)
        redact(outcome.error());
    QString summary = outcome ? summaryOf(*outcome) : describe(outcome.error());
    return Completion{std::move(summary), [delivery, callback, info, outcome = std::move(outcome)] {
                          deliverTo(delivery,
                                    [callback, info, outcome] { callback(outcome, info); });
                      }};
}

template<typename Fn>
void PemsClient::deliverTo(const Delivery& delivery, Fn call)
{
    QObject* context = delivery.context.data();
    if (!context || !delivery.clientAlive->load())
        return;
    if (context->thread() == QThread::currentThread()) {
        call();
        return;
    }
    QMetaObject::invokeMethod(
        context,
        [alive = delivery.clientAlive, call = std::move(call)] {
            if (alive->load())
                call();
        },
        Qt::QueuedConnection);
}

template<typename T, typename Request>
PemsClient::Handler PemsClient::parsingHandler(
    Request request, Outcome<T> (PemsDialect::*parse)(const Request&, const HttpResponse&) const,
    QObject* context, std::function<void(Outcome<T>, ExchangeInfo)> callback)
{
    return [this, request = std::move(request), parse, delivery = deliveryFor(context),
            callback = std::move(callback)](Received received, ExchangeInfo info) {
        Outcome<T> outcome = received ? (m_dialect.get()->*parse)(request, *received)
                                      : Outcome<T>(failed(std::move(received.error())));
        return complete(std::move(outcome), info, delivery, callback);
    };
}

void PemsClient::update(const UpdateRequest& request, const QUuid& idempotencyKey, QObject* context,
                        WriteCallback callback)
{
    send("update"_L1, m_dialect->prepareUpdate(m_config.baseUrl, request), idempotencyKey,
         parsingHandler(request, &PemsDialect::parseUpdate, context, std::move(callback)));
}

void PemsClient::remove(const RemoveRequest& request, const QUuid& idempotencyKey, QObject* context,
                        WriteCallback callback)
{
    send("remove"_L1, m_dialect->prepareRemove(m_config.baseUrl, request), idempotencyKey,
         parsingHandler(request, &PemsDialect::parseRemove, context, std::move(callback)));
}

void PemsClient::get(const RecordKey& key, QObject* context, RecordCallback callback)
{
    send("get"_L1, m_dialect->prepareGet(m_config.baseUrl, key), std::nullopt,
         parsingHandler(key, &PemsDialect::parseGet, context, std::move(callback)));
}

void PemsClient::list(const ListQuery& query, QObject* context, PageCallback callback)
{
    send("list"_L1, m_dialect->prepareList(m_config.baseUrl, query), std::nullopt,
         parsingHandler(query, &PemsDialect::parseList, context, std::move(callback)));
}

void PemsClient::health(QObject* context, HealthCallback callback)
{
    send("health"_L1, m_dialect->prepareHealth(m_config.baseUrl), std::nullopt,
         [this, delivery = deliveryFor(context),
          callback = std::move(callback)](Received received, ExchangeInfo info) {
             HealthOutcome outcome = received ? m_dialect->parseHealth(*received)
                                              : HealthOutcome(failed(std::move(received.error())));
             PemsHealth health;
             if (outcome) {
                 health = std::move(*outcome);
             } else {
                 redact(outcome.error());
                 health.healthy = false;
                 health.failure = std::move(outcome.error());
             }
             health.latency = info.duration;
             health.httpStatus = info.httpStatus;
             const QString summary = health.failure ? describe(*health.failure) : summaryOf(health);
             return Completion{summary, [delivery, callback, health = std::move(health)] {
                                   deliverTo(delivery, [callback, health] { callback(health); });
                               }};
         });
}

int PemsClient::inFlightCount() const
{
    return static_cast<int>(m_inFlight.size());
}

const PemsConfig& PemsClient::config() const
{
    return m_config;
}

const PemsDialect& PemsClient::dialect() const
{
    return *m_dialect;
}

PemsClient::Delivery PemsClient::deliveryFor(QObject* context)
{
    return Delivery{context ? context : this, m_alive};
}

void PemsClient::send(QLatin1StringView operation, Expected<PreparedRequest> prepared,
                      std::optional<QUuid> idempotencyKey, Handler handler)
{
    if (m_configError) {
        refuse(operation,
               Permanent{std::nullopt,
                         u"CONFIG"_s,
                         u"PEMS client configuration invalid: "_s + m_configError->toString(),
                         {}},
               std::move(handler));
        return;
    }
    if (!m_network) {
        refuse(operation,
               Transient{TransientCause::Network, std::nullopt, std::nullopt,
                         u"the network access manager is gone"_s},
               std::move(handler));
        return;
    }
    if (!prepared) {
        const Error& error = prepared.error();
        Permanent refused{std::nullopt, u"INVALID_REQUEST"_s, error.toString(), {}};
        if (!error.field.isEmpty())
            refused.fieldErrors.push_back(FieldError{error.field, model::fieldFromWire(error.field),
                                                     u"request"_s, error.message});
        refuse(operation, std::move(refused), std::move(handler));
        return;
    }
    if (idempotencyKey && idempotencyKey->isNull()) {
        refuse(operation,
               Permanent{std::nullopt,
                         u"INVALID_REQUEST"_s,
                         u"a write needs an Idempotency-Key (got the null UUID)"_s,
                         {}},
               std::move(handler));
        return;
    }

    QNetworkRequest request = std::move(prepared->request);
    request.setRawHeader(m_authHeaderName, m_authHeaderValue);
    if (!m_config.tenant.isEmpty())
        request.setRawHeader(m_config.tenantHeader, m_config.tenant.toLatin1());
    if (!m_config.organization.isEmpty())
        request.setRawHeader(m_config.organizationHeader, m_config.organization.toLatin1());
    if (idempotencyKey)
        request.setRawHeader(m_config.idempotencyHeader,
                             idempotencyKey->toByteArray(QUuid::WithoutBraces));
    request.setRawHeader("User-Agent", "pfa-sync/" PFA_VERSION);
    request.setTransferTimeout(static_cast<int>(m_config.timeout.count()));
    // A redirect means a wrong base URL; following it could also carry the key to another host.
    request.setAttribute(QNetworkRequest::RedirectPolicyAttribute,
                         QNetworkRequest::ManualRedirectPolicy);

    const QByteArray verb = prepared->verb;
    QNetworkReply* reply = nullptr;
    if (verb == "GET")
        reply = m_network->get(request);
    else if (verb == "PUT")
        reply = m_network->put(request, prepared->body);
    else if (verb == "POST")
        reply = m_network->post(request, prepared->body);
    else if (verb == "DELETE" && prepared->body.isEmpty())
        reply = m_network->deleteResource(request);
    else
        reply = m_network->sendCustomRequest(request, verb, prepared->body);

    m_inFlight.insert(reply);
    const qint64 startedMs = m_clock.elapsed();
    connect(
        reply, &QNetworkReply::finished, this,
        [this, reply, operation, verb, startedMs, idempotencyKey, handler = std::move(handler)] {
            finished(reply, operation, verb, startedMs, idempotencyKey, handler);
        });
    // QNetworkAccessManager starts a request that carries a body (PUT, POST) only on the next
    // pass of this thread's event loop, after whatever was queued before it. A caller that then
    // blocks on its database (the write worker flushes a batch of outcomes in 5-25 ms) would
    // have it reach PEMS that much after the rate limiter's slot, past the limiter's tolerance.
    // Start it now: that only hands it to the network thread, no callback runs from here.
    QCoreApplication::sendPostedEvents(reply, QEvent::MetaCall);
}

void PemsClient::refuse(QLatin1StringView operation, PemsFailure failure, Handler handler)
{
    // Still asynchronous: a callback never runs inside the call that started it.
    QMetaObject::invokeMethod(
        this,
        [this, operation, failure = std::move(failure), handler = std::move(handler)] {
            Completion completion = handler(failed(failure), ExchangeInfo{});
            logExchange(operation, "-", u"(not sent)"_s, 0, 0, completion.summary, std::nullopt);
            completion.deliver();
        },
        Qt::QueuedConnection);
}

void PemsClient::finished(QNetworkReply* reply, QLatin1StringView operation, const QByteArray& verb,
                          qint64 startedMs, const std::optional<QUuid>& idempotencyKey,
                          const Handler& handler)
{
    m_inFlight.remove(reply);
    reply->deleteLater();

    const qint64 durationMs = m_clock.elapsed() - startedMs;
    const QVariant statusAttribute = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute);
    const std::optional<int> status =
        statusAttribute.isValid() ? std::optional<int>(statusAttribute.toInt()) : std::nullopt;
    const QNetworkReply::NetworkError error = reply->error();

    Received received;
    if (error != QNetworkReply::NoError && (!status || isTransportError(error))) {
        received = failed(transportFailure(error, reply->errorString(), m_config.timeout, status));
    } else {
        received = HttpResponse{status.value_or(0), reply->rawHeaderPairs(), reply->readAll(),
                                QDateTime::currentDateTimeUtc()};
    }

    const ExchangeInfo info{status.value_or(0), std::chrono::milliseconds(durationMs)};
    const QUrl url = reply->request().url();
    QString target = url.path(QUrl::FullyEncoded);
    if (url.hasQuery())
        target += u'?' + url.query(QUrl::FullyEncoded);

    Completion completion = handler(std::move(received), info);
    logExchange(operation, verb, target, info.httpStatus, durationMs, completion.summary,
                idempotencyKey);
    // Last: the callback may destroy this client.
    completion.deliver();
}

void PemsClient::logExchange(QLatin1StringView operation, const QByteArray& verb,
                             const QString& target, int httpStatus, qint64 durationMs,
                             const QString& summary,
                             const std::optional<QUuid>& idempotencyKey) const
{
    if (!lcPems().isDebugEnabled())
        return;
    QString line = operation + u' ';
    if (!verb.isEmpty())
        line += QString::fromLatin1(verb) + u' ';
    line += target + u" -> "_s + (httpStatus ? QString::number(httpStatus) : u"-"_s) + u" in "_s +
            QString::number(durationMs) + u" ms: "_s + summary + u" ["_s +
            QString::fromLatin1(m_authHeaderName) + u": ***"_s;
    if (idempotencyKey) {
        line += u", "_s + QString::fromLatin1(m_config.idempotencyHeader) + u": "_s +
                idempotencyKey->toString(QUuid::WithoutBraces);
    }
    line += u']';
    qCDebug(lcPems).noquote() << redacted(line);
}

QString PemsClient::redacted(QString text) const
{
    if (m_config.apiKey.size() >= kMinRedactedKeyLength)
        text.replace(m_config.apiKey, u"***"_s);
    return text;
}

void PemsClient::redact(PemsFailure& failure) const
{
    std::visit([this](auto& f) { f.message = redacted(std::move(f.message)); }, failure);
}

} // namespace pfa::pems
