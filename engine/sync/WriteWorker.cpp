#include "sync/WriteWorker.h"

#include "db/Database.h"
#include "db/EventPublisher.h"
#include "db/MirrorRepository.h"
#include "db/NotificationListener.h"
#include "db/WritePauseRepository.h"
#include "pems/JsonDialect.h"
#include "pems/PemsClient.h"
#include "sync/BatchClaimer.h"
#include "sync/OutcomeRecorder.h"
#include "sync/SyncLog.h"

#include <QNetworkAccessManager>
#include <QStringList>
#include <QThread>
#include <QUuid>

using namespace Qt::StringLiterals;
using namespace std::chrono_literals;

namespace pfa::sync {

namespace {

using Clock = std::chrono::steady_clock;

// QNetworkAccessManager opens six connections per host; more requests in flight need more
// managers.
constexpr int ConnectionsPerManager = 6;
// A slot the rate limiter gave that is missed by more than this is asked for again: sending late
// could bunch requests into one second.
constexpr auto LateSlotTolerance = 5ms; // below RateLimiter::Tolerance
// Reservations of one request before it goes out even if late: a database so slow that every
// reservation returns late must not stop sending altogether.
constexpr int MaxReservations = 4;
// Outcomes the recorder may be behind by, in claim windows, before the worker stops claiming.
constexpr int RecordingBacklogWindows = 4;
// How long a stop waits for the recorder once the requests in flight were abandoned.
constexpr auto RecordGrace = 1s;

QString joinedReasons(const SendGroup& group)
{
    QStringList reasons;
    for (const auto& item : group.items) {
        if (!item.changeReason.isEmpty() && !reasons.contains(item.changeReason))
            reasons << item.changeReason;
    }
    return reasons.join(u"; "_s).left(2000);
}

std::chrono::milliseconds ceilMs(std::chrono::microseconds value)
{
    return std::chrono::ceil<std::chrono::milliseconds>(value);
}

} // namespace

WriteWorker::WriteWorker(db::Database& database, WorkerConfig config,
                         std::shared_ptr<SyncMetrics> metrics, std::shared_ptr<CycleJobs> cycleJobs)
    : m_database(database)
    , m_config(std::move(config))
    , m_metrics(std::move(metrics))
    , m_cycleJobs(std::move(cycleJobs))
    , m_rateLimiter(m_config.rateLimit)
    , m_retryPolicy(m_config.retryDelay, 0, m_config.retryJitter)
    , m_cronTimer(this)
    , m_dueTimer(this)
    , m_holdTimer(this)
    , m_troubleTimer(this)
    , m_stopTimer(this)
    , m_jobTimer(this)
    , m_recordGraceTimer(this)
{
    for (QTimer* timer : {&m_cronTimer, &m_dueTimer, &m_holdTimer, &m_troubleTimer, &m_stopTimer,
                          &m_jobTimer, &m_recordGraceTimer})
        timer->setSingleShot(true);
    connect(&m_recordGraceTimer, &QTimer::timeout, this, &WriteWorker::finishStop);
    m_holdTimer.setTimerType(Qt::PreciseTimer);
    connect(&m_cronTimer, &QTimer::timeout, this, &WriteWorker::onCronTick);
    connect(&m_dueTimer, &QTimer::timeout, this, &WriteWorker::schedulePump);
    connect(&m_holdTimer, &QTimer::timeout, this, [this] {
        sendReady();
        schedulePump();
    });
    connect(&m_troubleTimer, &QTimer::timeout, this, [this] {
        // A lost session (server restart, failover, a killed backend) stays closed: every later
        // statement would fail with "database not open". Reopening the thread's connection
        // reopens the one m_batches holds, since both are the same named connection.
        if (auto reopened = m_database.connection(); !reopened)
            qCWarning(lcSync).noquote() << "database:" << reopened.error().message;
        scheduleFlush();
        schedulePump();
    });
    connect(&m_stopTimer, &QTimer::timeout, this, &WriteWorker::abandonInFlight);
    connect(&m_jobTimer, &QTimer::timeout, this, [this] {
        if (!m_batches)
            return;
        if (auto finished = m_batches->finishSettledJobs(); !finished)
            databaseTrouble(finished.error());
    });
}

WriteWorker::~WriteWorker()
{
    stopHelpers();
}

void WriteWorker::start()
{
    if (m_state != State::Stopped)
        return;
    auto connection = m_database.connection();
    if (!connection) {
        abortStart(connection.error());
        return;
    }
    m_batches = std::make_unique<db::WriteBatchRepository>(*connection, m_config.workerId);
    // A worker restarted under the same id (after a crash or a kill) takes its own leases back at
    // once instead of waiting for them to expire; the items keep their keys, so a request the
    // dead process had sent is answered from PEMS' idempotency store.
    if (auto own = m_batches->releaseHeld(); !own) {
        abortStart(own.error());
        return;
    } else if (*own > 0) {
        qCInfo(lcSync) << "took back" << *own << "items this worker held before it stopped";
    }
    if (auto reclaimed = m_batches->reclaimExpiredLeases(); !reclaimed) {
        abortStart(reclaimed.error());
        return;
    } else if (*reclaimed > 0) {
        qCInfo(lcSync) << "took back" << *reclaimed << "items whose worker had stopped";
    }

    m_wakeups =
        new db::NotificationListener(m_database, QString(db::EventPublisher::WorkChannel), this);
    connect(m_wakeups, &db::NotificationListener::notified, this, &WriteWorker::onWake);
    if (auto listening = m_wakeups->start(); !listening) {
        abortStart(listening.error());
        return;
    }

    const int managers =
        std::max(1, (m_config.maxInFlight + ConnectionsPerManager - 1) / ConnectionsPerManager);
    for (int i = 0; i < managers; ++i) {
        auto* network = new QNetworkAccessManager(this);
        m_clients.push_back(new pems::PemsClient(network, m_config.pems,
                                                 std::make_unique<pems::JsonDialect>(), this));
        // The same managers serve every organization: one per PEMS host keeps its connections.
        for (const auto& [organizationId, own] : m_config.organizationPems)
            m_organizationClients[organizationId].push_back(
                new pems::PemsClient(network, own, std::make_unique<pems::JsonDialect>(), this));
    }

    startHelpers();
    m_state = State::Running;
    m_metrics->beat();
    armCronTimer();
    publishWorkerState(u"running"_s);
    qCInfo(lcSync).nospace() << "write worker " << m_config.workerId
                             << " running: " << m_config.maxInFlight << " requests in flight, "
                             << (m_config.rateLimit > 0
                                     ? QString::number(m_config.rateLimit) + u" requests/s"_s
                                     : u"no rate limit"_s)
                             << ", schedule " << m_config.schedule.toString() << ", "
                             << m_config.organizationPems.size()
                             << " organizations with their own PEMS credentials";
    Q_EMIT started();
    schedulePump();
}

void WriteWorker::abortStart(const Error& error)
{
    delete m_wakeups;
    m_wakeups = nullptr;
    m_batches.reset();
    m_database.releaseThreadConnection();
    Q_EMIT startFailed(error.message);
}

void WriteWorker::wake()
{
    schedulePump();
}

void WriteWorker::onWake(const QString& reason)
{
    // Only this worker pauses organizations in m_pausedOrganizations (PEMS refused their
    // credentials); once any pause ends, the claim's own check of the switches decides again.
    if (reason == u"resumed"_s)
        m_pausedOrganizations.clear();
    schedulePump();
}

void WriteWorker::schedulePump()
{
    if (m_pumpScheduled || m_state != State::Running)
        return;
    m_pumpScheduled = true;
    QTimer::singleShot(0, this, &WriteWorker::pump);
}

void WriteWorker::pump()
{
    m_pumpScheduled = false;
    if (m_state != State::Running)
        return;
    m_metrics->beat();
    if (holding())
        return; // the hold timer pumps again
    const int window = m_config.rateLimit > 0
                           ? std::clamp(2 * m_config.rateLimit, 1, m_config.batchSize)
                           : m_config.batchSize;
    const int outstanding = int(m_groups.size()) + m_refreshing;
    if (outstanding > window / 2)
        return; // outcomes of the requests in flight pump again
    if (m_recording > RecordingBacklogWindows * window)
        return; // the recorder is behind (or the database away): onRecorded() pumps again
    if (m_claiming)
        return; // its outcome pumps again
    const int limit = window - outstanding;
    m_claiming = true;
    QMetaObject::invokeMethod(m_claimer, [claimer = m_claimer, worker = this, limit] {
        ClaimedBatch batch = claimer->claim(limit);
        QMetaObject::invokeMethod(worker, [worker, limit, batch = std::move(batch)]() mutable {
            worker->onClaimed(std::move(batch), limit);
        });
    });
}

void WriteWorker::onClaimed(ClaimedBatch batch, int limit)
{
    m_claiming = false;
    if (m_state == State::Stopped)
        return; // finishStop() released every lease this worker held, these included
    if (!batch.withdrawn.empty()) {
        std::ranges::move(batch.withdrawn, std::back_inserter(m_settled));
        scheduleFlush();
    }
    if (m_state == State::Stopping) {
        std::vector<qint64> unread;
        for (const auto& item : batch.refresh)
            unread.push_back(item.queueId);
        if (auto released = m_batches->release(unread); !released)
            databaseTrouble(released.error());
        for (const auto& group : batch.groups)
            requeueUnsent(group, u"the worker stopped before sending it"_s);
        flush();
        finishStopWhenDone();
        return;
    }
    for (const qint64 organizationId : batch.organizations)
        m_pausedOrganizations.erase(organizationId); // the claim skips paused ones
    if (batch.trouble && !m_troubleTimer.isActive())
        m_troubleTimer.start(1s);
    if (batch.records == 0 && !batch.trouble) {
        if (m_groups.empty() && m_refreshing == 0)
            armDueTimer();
        return;
    }
    for (auto& item : batch.refresh)
        rereadBeforeDeciding(std::move(item));
    dispatch(std::move(batch.groups));
    if (batch.records >= limit && !batch.trouble)
        schedulePump();
}

void WriteWorker::dispatch(std::vector<SendGroup> groups)
{
    if (groups.empty())
        return;
    std::vector<std::chrono::microseconds> delays(groups.size(), 0us);
    const auto before = Clock::now();
    if (!m_rateLimiter.unlimited()) {
        auto reserved = m_rateLimiter.reserve(m_batches->database(), int(groups.size()));
        if (!reserved) {
            // Without a slot nothing may go out: back to the queue, no attempt spent.
            for (const auto& group : groups)
                requeueUnsent(group, u"waiting for the rate limiter"_s, 1s);
            databaseTrouble(reserved.error());
            return;
        }
        delays = std::move(*reserved);
    }
    const auto after = Clock::now();
    for (std::size_t i = 0; i < groups.size(); ++i) {
        const quint64 id = m_nextGroupId++;
        SendGroup& group = m_groups.emplace(id, std::move(groups[i])).first->second;
        group.id = id;
        scheduleSend(group, delays[i], before, after);
    }
    sendReady();
}

void WriteWorker::scheduleSend(SendGroup& group, std::chrono::microseconds delay,
                               Clock::time_point before, Clock::time_point after)
{
    ++group.reservations;
    group.slot = after + delay;
    group.deadline = before + delay + LateSlotTolerance;
    const auto wait = group.slot - Clock::now();
    if (wait <= 0us) {
        m_ready.push_back(group.id);
        return;
    }
    QTimer::singleShot(std::chrono::ceil<std::chrono::milliseconds>(wait), Qt::PreciseTimer, this,
                       [this, id = group.id] {
                           if (m_groups.contains(id) && m_state == State::Running) {
                               m_ready.push_back(id);
                               sendReady();
                           }
                       });
}

bool WriteWorker::holding() const
{
    return Clock::now() < m_holdUntil;
}

void WriteWorker::sendReady()
{
    while (!m_ready.empty() && int(m_inFlight.size()) < m_config.maxInFlight &&
           m_state == State::Running && !holding()) {
        const quint64 id = m_ready.front();
        m_ready.pop_front();
        auto found = m_groups.find(id);
        if (found == m_groups.end())
            continue;
        SendGroup& group = found->second;
        if (m_pausedOrganizations.contains(group.head().organizationId)) {
            requeueUnsent(group, u"the organization's write sync is paused"_s);
            m_groups.erase(found);
            continue;
        }
        if (!m_rateLimiter.unlimited() && Clock::now() > group.deadline &&
            group.reservations < MaxReservations) {
            // Late (a hold, a full pipeline, a stalled thread): a new slot keeps the spacing.
            const auto before = Clock::now();
            auto slot = m_rateLimiter.reserve(m_batches->database(), 1);
            if (!slot) {
                // Without a slot nothing may go out: back to the queue, no attempt spent.
                requeueUnsent(group, u"waiting for the rate limiter"_s, 1s);
                m_groups.erase(found);
                databaseTrouble(slot.error());
                continue;
            }
            scheduleSend(group, slot->front(), before, Clock::now());
            continue; // ready again at once or when its slot comes, and checked again then
        }
        send(id);
    }
    if (holding() && !m_holdTimer.isActive()) {
        const auto wait = std::chrono::ceil<std::chrono::milliseconds>(m_holdUntil - Clock::now());
        m_holdTimer.start(std::max(wait, 1ms));
    }
}

pems::PemsClient* WriteWorker::leastBusyClient(qint64 organizationId) const
{
    const auto own = m_organizationClients.find(organizationId);
    const auto& clients = own != m_organizationClients.end() ? own->second : m_clients;
    return *std::ranges::min_element(clients, {}, &pems::PemsClient::inFlightCount);
}

void WriteWorker::deleteClients()
{
    for (auto* client : m_clients)
        delete client; // aborts their requests; no callback runs any more
    m_clients.clear();
    for (auto& [organizationId, clients] : m_organizationClients)
        for (auto* client : clients)
            delete client;
    m_organizationClients.clear();
}

void WriteWorker::send(quint64 id)
{
    SendGroup& group = m_groups.at(id);
    group.startedAt = QDateTime::currentDateTimeUtc();
    m_inFlight.insert(id);
    m_metrics->inFlight.store(int(m_inFlight.size()), std::memory_order_relaxed);
    m_metrics->requestsSent.fetch_add(1, std::memory_order_relaxed);
    const db::ClaimedItem& head = group.head();
    const QUuid key = QUuid::fromString(head.idempotencyKey);
    auto done = [this, id](pems::WriteOutcome outcome, pems::ExchangeInfo exchange) {
        onWritten(id, std::move(outcome), exchange);
    };
    pems::PemsClient* client = leastBusyClient(head.organizationId);
    if (head.operation == model::Operation::Delete) {
        client->remove({.pfaId = head.pfaId,
                        .organizationCode = head.organizationCode,
                        .version = group.version,
                        .modifiedBy = head.author,
                        .changeReason = head.changeReason},
                       key, this, std::move(done));
    } else {
        client->update({.pfaId = head.pfaId,
                        .organizationCode = head.organizationCode,
                        .changes = group.merged,
                        .version = group.version,
                        .modifiedBy = group.items.back().author,
                        .changeReason = joinedReasons(group)},
                       key, this, std::move(done));
    }
}

void WriteWorker::onWritten(quint64 id, pems::WriteOutcome outcome, pems::ExchangeInfo exchange)
{
    m_inFlight.erase(id);
    m_metrics->inFlight.store(int(m_inFlight.size()), std::memory_order_relaxed);
    m_metrics->requestDuration.observe(exchange.duration);
    auto found = m_groups.find(id);
    if (found == m_groups.end())
        return;
    SendGroup group = std::move(found->second);
    m_groups.erase(found);
    if (outcome)
        succeeded(group, *outcome, exchange);
    else
        failed(std::move(group), outcome.error(), exchange);
    scheduleFlush();
    sendReady();
}

void WriteWorker::succeeded(const SendGroup& group, const pems::WriteSuccess& success,
                            const pems::ExchangeInfo& exchange)
{
    const QDateTime now = QDateTime::currentDateTimeUtc();
    const int size = int(group.items.size());
    for (int i = 0; i < size; ++i) {
        const db::ClaimedItem& item = group.items[std::size_t(i)];
        m_completed.push_back({.queueId = item.queueId,
                               .modificationId = item.modificationId,
                               .lead = i == 0,
                               .groupSize = size,
                               .newVersion = success.newVersion,
                               .pemsUpdatedAt = success.updatedAt,
                               .mergedDelta = i == 0 ? group.merged : model::FieldMap{},
                               .deleted = success.deleted,
                               .replayed = success.replayed,
                               .rollback = group.head().rollbackOfVersion.has_value(),
                               .author = group.items.back().author,
                               .attempt = item.attemptsSoFar + 1,
                               .startedAt = group.startedAt,
                               .duration = exchange.duration,
                               .httpStatus = exchange.httpStatus});
        m_metrics->commitToSynced.observe(std::chrono::milliseconds(item.queuedAt.msecsTo(now)));
    }
    m_metrics->itemsSynced.fetch_add(quint64(size), std::memory_order_relaxed);
    m_metrics->itemsCoalesced.fetch_add(quint64(size - 1), std::memory_order_relaxed);
    if (success.replayed)
        m_metrics->replayed.fetch_add(1, std::memory_order_relaxed);
}

void WriteWorker::failed(SendGroup group, const pems::PemsFailure& failure,
                         const pems::ExchangeInfo& exchange)
{
    const model::FailureClass failureClass = pems::failureClass(failure);
    m_metrics->countError(failureClass);
    const db::SettledItem::Attempt attempt{.number = group.head().attemptsSoFar + 1,
                                           .startedAt = group.startedAt,
                                           .duration = exchange.duration,
                                           .httpStatus = exchange.httpStatus,
                                           .outcome = pems::kindName(failure)};
    const QString description = pems::describe(failure);
    db::SettledItem pattern{.error = description, .failureClass = failureClass};

    if (std::holds_alternative<pems::VersionConflict>(failure)) {
        refreshAfterConflict(std::move(group), attempt);
        return;
    }
    if (const auto* limited = std::get_if<pems::RateLimited>(&failure)) {
        // PEMS asked us to slow down: everyone waits, and nobody spends an attempt on it.
        m_metrics->rateLimitWaits.fetch_add(1, std::memory_order_relaxed);
        holdSending(limited->retryAfter);
        pattern.requeue = true;
        pattern.delay = limited->retryAfter;
        pattern.modificationStatus = model::SyncStatus::Queued;
        settleGroup(group, pattern, attempt);
        return;
    }
    if (std::holds_alternative<pems::Unauthorized>(failure)) {
        pauseOrganization(group.head().organizationId, description);
    }
    if (const auto* transient = std::get_if<pems::Transient>(&failure)) {
        const int retries = group.head().retryCount;
        if (retries < group.head().maxRetries) {
            m_metrics->retries.fetch_add(1, std::memory_order_relaxed);
            pattern.requeue = true;
            pattern.spendRetry = true;
            pattern.delay = m_retryPolicy.delayBefore(retries + 1, transient->retryAfter);
            pattern.modificationStatus = model::SyncStatus::Queued;
            settleGroup(group, pattern, attempt);
            return;
        }
        pattern.error = u"gave up after %1 attempts: %2"_s.arg(attempt.number).arg(description);
    }
    // Permanent, needs confirmation, credentials refused, or retries used up: the dead letter.
    m_metrics->itemsFailed.fetch_add(group.items.size(), std::memory_order_relaxed);
    pattern.requeue = false;
    pattern.modificationStatus = model::SyncStatus::Failed;
    settleGroup(group, pattern, attempt);
}

std::chrono::microseconds WriteWorker::readSlotWait()
{
    // A GET counts against the rate limit like any request. Without a slot (the database is
    // away) it goes anyway: reads are rare, and the write that follows waits for its own slot.
    if (m_rateLimiter.unlimited())
        return 0us;
    auto slot = m_rateLimiter.reserve(m_batches->database(), 1);
    return slot ? slot->front() : 0us;
}

Expected<model::MirrorRecord> WriteWorker::storePemsVersion(const db::ClaimedItem& item,
                                                            const pems::PemsRecord& record)
{
    return db::MirrorRepository(m_batches->database())
        .store({.organizationId = item.organizationId,
                .pfaId = item.pfaId,
                .version = record.version,
                .data = record.data,
                .pemsUpdatedAt = record.updatedAt,
                .source = model::HistorySource::Pull,
                .actor = m_config.workerId});
}

void WriteWorker::rereadBeforeDeciding(db::ClaimedItem item)
{
    const auto wait = readSlotWait();
    ++m_refreshing;
    QTimer::singleShot(ceilMs(wait), Qt::PreciseTimer, this, [this, item] {
        if (m_clients.empty()) {
            --m_refreshing; // stopped meanwhile: the lease was released, the flag stays
            return;
        }
        pems::PemsClient* client = leastBusyClient(item.organizationId);
        client->get({.pfaId = item.pfaId, .organizationCode = item.organizationCode}, this,
                    [this, item](pems::RecordOutcome record, pems::ExchangeInfo) {
                        --m_refreshing;
                        QString error;
                        if (!record) {
                            // Gone from PEMS: nothing to re-read; the next claim decides, and PEMS'
                            // answer to the request (404) makes it a dead letter again with that
                            // reason.
                            if (!pems::isNotFound(record.error()))
                                error = u"re-reading the record from PEMS failed: "_s +
                                        pems::describe(record.error());
                        } else {
                            if (auto stored = storePemsVersion(item, *record); !stored)
                                error =
                                    u"could not store PEMS' version: "_s + stored.error().message;
                        }
                        if (auto returned = m_batches->refreshed({item.queueId}, error); !returned)
                            databaseTrouble(returned.error());
                        if (m_state == State::Stopping)
                            finishStopWhenDone();
                        else
                            schedulePump();
                    });
    });
}

void WriteWorker::refreshAfterConflict(SendGroup group, db::SettledItem::Attempt attempt)
{
    const auto wait = readSlotWait();
    ++m_refreshing;
    auto shared = std::make_shared<SendGroup>(std::move(group));
    QTimer::singleShot(ceilMs(wait), Qt::PreciseTimer, this, [this, shared, attempt] {
        if (m_clients.empty()) {
            // Stopped meanwhile: finishStop() released the items' leases.
            --m_refreshing;
            return;
        }
        const db::ClaimedItem& head = shared->head();
        pems::PemsClient* client = leastBusyClient(head.organizationId);
        client->get(
            {.pfaId = head.pfaId, .organizationCode = head.organizationCode}, this,
            [this, shared, attempt](pems::RecordOutcome record, pems::ExchangeInfo) {
                --m_refreshing;
                const SendGroup& sent = *shared;
                const db::ClaimedItem& lead = sent.head();
                // A 409 is PEMS' final answer for this key: whatever happens next uses a new one.
                db::SettledItem pattern{.newIdempotencyKey = true,
                                        .failureClass = model::FailureClass::Conflict};
                if (!record) {
                    const bool gone = pems::isNotFound(record.error());
                    pattern.error = gone ? u"the record no longer exists in PEMS"_s
                                         : u"PEMS reported a version conflict and re-reading "
                                           "the record failed: "_s +
                                               pems::describe(record.error());
                    pattern.requeue = !gone && lead.retryCount < lead.maxRetries;
                    pattern.spendRetry = pattern.requeue;
                    pattern.delay = m_retryPolicy.delayBefore(lead.retryCount + 1);
                    pattern.failureClass =
                        gone ? model::FailureClass::Validation : model::FailureClass::Transient;
                    pattern.modificationStatus =
                        pattern.requeue ? model::SyncStatus::Queued : model::SyncStatus::Failed;
                } else if (record->deleted) {
                    pattern.error = u"the record was deleted in PEMS"_s;
                    pattern.failureClass = model::FailureClass::Validation;
                    pattern.modificationStatus = model::SyncStatus::Failed;
                } else {
                    auto stored = storePemsVersion(lead, *record);
                    if (!stored) {
                        databaseTrouble(stored.error());
                        pattern.error =
                            u"could not store PEMS' version: "_s + stored.error().message;
                    } else if (record->version <= sent.version) {
                        pattern.error = u"PEMS reported a version conflict but still holds "
                                        "version %1"_s.arg(record->version);
                    } else {
                        pattern.error = u"PEMS is at version %1: checking the change against "
                                        "it"_s.arg(record->version);
                    }
                    // Back to the queue at once without spending an attempt: the next claim
                    // rebases it or raises the conflict. A conflict PEMS cannot explain spends
                    // one, so it cannot loop.
                    const bool explained = stored && record->version > sent.version;
                    pattern.requeue = explained || lead.retryCount < lead.maxRetries;
                    pattern.spendRetry = !explained;
                    pattern.delay =
                        explained ? 0ms : m_retryPolicy.delayBefore(lead.retryCount + 1);
                    pattern.modificationStatus =
                        pattern.requeue ? model::SyncStatus::Queued : model::SyncStatus::Failed;
                }
                if (!pattern.requeue)
                    m_metrics->itemsFailed.fetch_add(sent.items.size(), std::memory_order_relaxed);
                settleGroup(sent, pattern, attempt);
                scheduleFlush();
            });
    });
}

void WriteWorker::requeueUnsent(const SendGroup& group, const QString& why,
                                std::chrono::milliseconds delay)
{
    settleGroup(group,
                {.requeue = true,
                 .delay = delay,
                 .error = why,
                 .modificationStatus = model::SyncStatus::Queued},
                std::nullopt);
}

void WriteWorker::settleGroup(const SendGroup& group, db::SettledItem pattern,
                              std::optional<db::SettledItem::Attempt> attempt)
{
    for (const auto& item : group.items) {
        db::SettledItem settled = pattern;
        settled.queueId = item.queueId;
        settled.modificationId = item.modificationId;
        if (attempt) {
            settled.attempt = *attempt;
            settled.attempt->number = item.attemptsSoFar + 1;
        }
        m_settled.push_back(std::move(settled));
    }
    scheduleFlush();
}

void WriteWorker::holdSending(std::chrono::milliseconds wait)
{
    const auto until = Clock::now() + wait;
    if (until > m_holdUntil)
        m_holdUntil = until;
    m_holdTimer.start(std::max(wait, 1ms));
}

void WriteWorker::pauseOrganization(qint64 organizationId, const QString& reason)
{
    if (m_pausedOrganizations.contains(organizationId))
        return;
    m_pausedOrganizations.insert(organizationId);
    qCCritical(lcSync).nospace() << "PEMS refused the credentials of organization "
                                 << organizationId << ": its write sync is paused (" << reason
                                 << ")";
    auto paused =
        db::WritePauseRepository(m_batches->database())
            .pauseOrganization(organizationId, u"PEMS refused the credentials: "_s + reason,
                               m_config.workerId);
    if (!paused)
        databaseTrouble(paused.error());
    publishWorkerState(u"paused"_s, organizationId);
}

void WriteWorker::startHelpers()
{
    // The documented worker-object pattern: a helper has no parent (it lives in another thread)
    // and is deleted by its thread's event loop once that finishes.
    auto startThread = [this](QObject* helper, const QString& name) {
        auto* thread = new QThread(this);
        thread->setObjectName(name);
        helper->moveToThread(thread);
        connect(thread, &QThread::finished, helper, &QObject::deleteLater);
        thread->start();
        return thread;
    };
    m_claimer = new BatchClaimer(m_database, m_config, m_metrics, m_cycleJobs);
    m_claimerThread = startThread(m_claimer, u"pfa-claimer"_s);
    m_recorder = new OutcomeRecorder(m_database, m_config.workerId);
    connect(m_recorder, &OutcomeRecorder::recorded, this, &WriteWorker::onRecorded);
    m_recorderThread = startThread(m_recorder, u"pfa-recorder"_s);
}

void WriteWorker::stopHelpers()
{
    // The claimer first: a claim it is still running may hand the recorder more outcomes.
    auto stopThread = [](QThread*& thread, auto*& helper) {
        if (!thread)
            return;
        QMetaObject::invokeMethod(
            helper, [helper] { helper->shutdown(); }, Qt::BlockingQueuedConnection);
        thread->quit();
        thread->wait();
        delete thread;
        thread = nullptr;
        helper = nullptr; // deleted by its thread's last event loop pass
    };
    stopThread(m_claimerThread, m_claimer);
    stopThread(m_recorderThread, m_recorder);
    m_claiming = false;
    m_recording = 0;
}

void WriteWorker::scheduleFlush()
{
    // Everything settled during this pass of the event loop goes over in one hand-over; the
    // recorder writes whatever arrived while it was busy as one batch.
    if (m_flushScheduled)
        return;
    m_flushScheduled = true;
    QMetaObject::invokeMethod(this, &WriteWorker::flush, Qt::QueuedConnection);
}

void WriteWorker::flush()
{
    m_flushScheduled = false;
    if ((m_completed.empty() && m_settled.empty()) || !m_recorder)
        return;
    m_recording += int(m_completed.size() + m_settled.size());
    // With nothing else in flight no more answers are coming to write these with.
    const bool urgent = m_inFlight.empty() || m_state != State::Running;
    QMetaObject::invokeMethod(m_recorder, [recorder = m_recorder, urgent,
                                           completed = std::exchange(m_completed, {}),
                                           settled = std::exchange(m_settled, {})]() mutable {
        recorder->record(std::move(completed), std::move(settled), urgent);
    });
}

void WriteWorker::onRecorded(int items)
{
    m_recording = std::max(0, m_recording - items);
    // A job is finished once its items are settled; checking a second after a batch keeps that
    // prompt without an extra statement per batch.
    if (!m_jobTimer.isActive())
        m_jobTimer.start(1s);
    if (m_state == State::Stopping) {
        finishStopWhenDone();
        return;
    }
    schedulePump();
}

void WriteWorker::finishStopWhenDone()
{
    if (m_state == State::Stopping && m_inFlight.empty() && m_refreshing == 0 && !m_claiming &&
        m_recording == 0 && m_completed.empty() && m_settled.empty())
        finishStop();
}

void WriteWorker::onCronTick()
{
    if (m_state != State::Running)
        return;
    if (auto reclaimed = m_batches->reclaimExpiredLeases(); !reclaimed)
        databaseTrouble(reclaimed.error());
    else if (*reclaimed > 0)
        qCInfo(lcSync) << "took back" << *reclaimed << "items whose worker had stopped";
    if (auto finished = m_batches->finishSettledJobs(); !finished)
        databaseTrouble(finished.error());
    // The next cycle groups its items into new jobs.
    m_cycleJobs->startCycle();
    if (Clock::now() - m_lastPrune > 1h) {
        m_lastPrune = Clock::now();
        if (auto pruned = m_batches->pruneCompleted(m_config.retention); pruned && *pruned > 0)
            qCInfo(lcSync) << "pruned" << *pruned << "completed queue items";
    }
    armCronTimer();
    schedulePump();
}

void WriteWorker::armCronTimer()
{
    const QDateTime now = QDateTime::currentDateTimeUtc();
    const QDateTime next = m_config.schedule.nextAfter(now);
    const qint64 ms = next.isValid() ? std::max<qint64>(1, now.msecsTo(next)) : 60'000;
    m_cronTimer.start(std::chrono::milliseconds(ms));
}

void WriteWorker::armDueTimer()
{
    auto due = m_batches->nextDue();
    if (!due) {
        databaseTrouble(due.error());
        return;
    }
    if (!*due)
        return; // nothing waits: NOTIFY or the schedule wakes us
    // Due already but not claimable right now (another worker holds it): look again shortly.
    const auto wait = std::clamp(**due, 50ms, std::chrono::milliseconds(60'000));
    m_dueTimer.start(wait);
}

void WriteWorker::databaseTrouble(const Error& error)
{
    qCWarning(lcSync).noquote() << "database:" << error.message;
    if (!m_troubleTimer.isActive())
        m_troubleTimer.start(1s);
}

void WriteWorker::publishWorkerState(const QString& status, qint64 organizationId)
{
    if (!m_batches)
        return;
    auto published =
        db::EventPublisher::publish(m_batches->database(), {.type = model::EventType::WorkerState,
                                                            .organizationId = organizationId,
                                                            .status = status,
                                                            .at = QDateTime::currentDateTimeUtc()});
    if (!published)
        qCWarning(lcSync).noquote()
            << "cannot announce the worker state:" << published.error().message;
}

void WriteWorker::stop()
{
    if (m_state == State::Stopped) {
        Q_EMIT stopped();
        return;
    }
    if (m_state == State::Stopping)
        return;
    m_state = State::Stopping;
    m_cronTimer.stop();
    m_dueTimer.stop();
    m_holdTimer.stop();
    // Planned but not sent: back to the queue as they were.
    for (auto it = m_groups.begin(); it != m_groups.end();) {
        if (m_inFlight.contains(it->first)) {
            ++it;
            continue;
        }
        requeueUnsent(it->second, u"the worker stopped before sending it"_s);
        it = m_groups.erase(it);
    }
    m_ready.clear();
    qCInfo(lcSync) << "stopping: waiting for" << m_inFlight.size() << "requests in flight";
    m_stopTimer.start(m_config.stopTimeout);
    flush();
    finishStopWhenDone();
}

void WriteWorker::abandonInFlight()
{
    qCWarning(lcSync) << "stop timeout: abandoning" << m_inFlight.size()
                      << "requests; their items return to the queue with the same key";
    for (const quint64 id : m_inFlight) {
        requeueUnsent(m_groups.at(id), u"the worker stopped while waiting for PEMS' answer"_s);
        m_groups.erase(id);
    }
    m_inFlight.clear();
    deleteClients();
    m_refreshing = 0;
    flush();
    finishStopWhenDone();
    // Still waiting for the recorder: the database may be unreachable, and a stop must end.
    // Whatever it has not written by then stays leased with its key (OutcomeRecorder::shutdown).
    if (m_state == State::Stopping)
        m_recordGraceTimer.start(RecordGrace);
}

void WriteWorker::finishStop()
{
    if (m_state == State::Stopped)
        return;
    m_stopTimer.stop();
    m_jobTimer.stop();
    m_recordGraceTimer.stop();
    stopHelpers(); // first: releaseHeld() below must not race a claim or outcomes being written
    if (auto finished = m_batches->finishSettledJobs(); !finished)
        databaseTrouble(finished.error());
    if (auto released = m_batches->releaseHeld(); released && *released > 0)
        qCInfo(lcSync) << "released" << *released << "leases";
    publishWorkerState(u"stopped"_s);
    deleteClients();
    for (auto* network : findChildren<QNetworkAccessManager*>(Qt::FindDirectChildrenOnly))
        delete network;
    delete m_wakeups;
    m_wakeups = nullptr;
    m_batches.reset();
    m_database.releaseThreadConnection();
    m_state = State::Stopped;
    qCInfo(lcSync) << "write worker" << m_config.workerId << "stopped";
    Q_EMIT stopped();
}

} // namespace pfa::sync
