#include "sync/ReadSync.h"

#include "db/Database.h"
#include "db/OrganizationRepository.h"
#include "pems/JsonDialect.h"
#include "pems/PemsClient.h"
#include "pems/PemsFailure.h"
#include "sync/SyncLog.h"

#include <QDateTime>
#include <QPointer>
#include <QSqlDatabase>

#include <atomic>
#include <deque>
#include <set>

using namespace Qt::StringLiterals;
using namespace std::chrono_literals;

namespace pfa::sync {

namespace {

std::atomic<int> nextInstance{1};

int ceilMs(std::chrono::milliseconds wait)
{
    return int(std::clamp<qint64>(wait.count(), 0, 3600 * 1000));
}

// PEMS no longer takes the cursor the run stopped at (400 naming it).
bool cursorRejected(const pems::PemsFailure& failure)
{
    const auto* permanent = std::get_if<pems::Permanent>(&failure);
    if (!permanent || permanent->httpStatus != 400)
        return false;
    return std::ranges::any_of(permanent->fieldErrors,
                               [](const auto& error) { return error.field == u"cursor"_s; });
}

} // namespace

struct ReadSync::Run
{
    qint64 organizationId = 0;
    QString organizationCode;
    QString connectionPurpose;
    QSqlDatabase db;
    bool locked = false;
    QPointer<QObject> context;
    bool hasContext = false;
    Callback callback;
    std::optional<QDateTime> since;
    QString cursor;
    int retries = 0;
    std::optional<qint64> lockPid; // the backend pid of `db`'s session, which holds the lock
    struct Pending
    {
        db::PreparedPage page;
        QString nextCursor;
    };
    std::deque<Pending> toStore;
    bool storing = false;       // a page is with the writer thread
    bool fetchDeferred = false; // the next page is asked for once the store catches up
    bool done = false;
    std::optional<Expected<ReadSyncResult>> finishAfterStore; // a failure while storing
    std::set<QString> unknownFields;
    ReadSyncResult result;
};

ReadSync::ReadSync(db::Database& database, QNetworkAccessManager* network, ReadSyncConfig config,
                   QObject* parent)
    : QObject(parent)
    , m_database(database)
    , m_config(std::move(config))
    , m_client(std::make_unique<pems::PemsClient>(network, m_config.pems,
                                                  std::make_unique<pems::JsonDialect>()))
    , m_scheduleTimer(this)
    , m_instance(nextInstance.fetch_add(1))
{
    m_config.pageSize = std::clamp(m_config.pageSize, 1, 1000);
    m_writer = std::make_unique<QObject>();
    m_writer->moveToThread(&m_writerThread);
    // Runs in the writer thread as it ends: its connection must not outlive it.
    connect(
        &m_writerThread, &QThread::finished, m_writer.get(),
        [&database] { database.releaseThreadConnection(); }, Qt::DirectConnection);
    m_writerThread.setObjectName(u"read-sync-writer"_s);
    m_writerThread.start();
    m_scheduleTimer.setSingleShot(true);
    connect(&m_scheduleTimer, &QTimer::timeout, this, [this] {
        for (const qint64 organizationId : m_scheduled) {
            if (!isRunning(organizationId))
                start(organizationId, this, [organizationId](Expected<ReadSyncResult> result) {
                    if (!result)
                        qCWarning(lcSync).noquote()
                            << "scheduled read sync of organization" << organizationId
                            << "failed:" << result.error().message;
                });
        }
        scheduleNext();
    });
}

ReadSync::~ReadSync()
{
    // Runs still going are abandoned as a crash would: closing their sessions releases the locks,
    // and the next run resumes after the last stored page.
    m_client.reset();
    // A page being stored is finished (committed or not) before anything goes away; nothing is
    // posted back after this.
    m_writerThread.quit();
    m_writerThread.wait();
    m_writer.reset();
    for (auto& [organizationId, run] : m_runs) {
        run->db = QSqlDatabase();
        m_database.releaseDedicatedConnection(run->connectionPurpose);
    }
}

bool ReadSync::isRunning(qint64 organizationId) const
{
    return m_runs.contains(organizationId);
}

void ReadSync::start(qint64 organizationId, QObject* context, Callback callback)
{
    auto run = std::make_shared<Run>();
    run->organizationId = organizationId;
    run->context = context;
    run->hasContext = context != nullptr;
    run->callback = std::move(callback);
    run->result.organizationId = organizationId;

    auto refuse = [this, run](Error error) {
        QTimer::singleShot(0, this, [run, error] {
            if (run->hasContext && !run->context)
                return;
            run->callback(std::unexpected(error));
        });
    };
    if (isRunning(organizationId)) {
        refuse({ErrorCode::Conflict,
                u"a read sync of organization %1 is already running"_s.arg(organizationId)});
        return;
    }

    if (auto begun = begin(run); !begun) {
        // Every copy of the connection is gone by now, so it can be closed (and the lock, if it
        // was taken, goes with the session).
        m_runs.erase(organizationId);
        run->db = QSqlDatabase();
        m_database.releaseDedicatedConnection(run->connectionPurpose);
        refuse(begun.error());
        return;
    }
    qCInfo(lcSync).noquote() << "read sync of" << run->organizationCode
                             << (run->result.resumed ? "resumes" : "starts") << "since"
                             << (run->since ? run->since->toString(Qt::ISODateWithMs)
                                            : u"the beginning"_s);
    fetch(run);
}

Expected<void> ReadSync::begin(const std::shared_ptr<Run>& run)
{
    // A connection of the run's own: the advisory lock belongs to its session.
    run->connectionPurpose = u"read-sync-%1-%2"_s.arg(m_instance).arg(run->organizationId);
    auto connection = m_database.dedicatedConnection(run->connectionPurpose);
    if (!connection)
        return std::unexpected(connection.error());
    run->db = *connection;
    auto organization = db::OrganizationRepository(run->db).findById(run->organizationId);
    if (!organization)
        return std::unexpected(organization.error());
    run->organizationCode = organization->code;

    const db::ReadSyncRepository repository(run->db);
    auto locked = repository.tryLock(run->organizationId);
    if (!locked)
        return std::unexpected(locked.error());
    if (!*locked)
        return fail(ErrorCode::Conflict,
                    u"a read sync of %1 is already running in another session"_s.arg(
                        run->organizationCode));
    run->locked = true;
    m_runs[run->organizationId] = run;
    auto pid = repository.sessionPid();
    if (!pid)
        return std::unexpected(pid.error());
    run->lockPid = *pid;

    auto state = repository.state(run->organizationId);
    if (!state)
        return std::unexpected(state.error());
    if (!state->cursor.isEmpty()) {
        run->since = state->runSince;
        run->cursor = state->cursor;
        run->result.resumed = true;
    } else {
        run->since = state->watermark;
    }
    return repository.beginRun(run->organizationId, run->since);
}

void ReadSync::fetch(const std::shared_ptr<Run>& run)
{
    m_client->list({.organizationCode = run->organizationCode,
                    .updatedSince = run->since,
                    .limit = m_config.pageSize,
                    .cursor = run->cursor},
                   this, [this, run](pems::PageOutcome page, pems::ExchangeInfo) {
                       onPage(run, std::move(page));
                   });
}

void ReadSync::onPage(const std::shared_ptr<Run>& run, pems::PageOutcome page)
{
    if (run->done)
        return;
    if (!page) {
        const auto& failure = page.error();
        if (run->result.resumed && run->result.pages == 0 && cursorRejected(failure)) {
            // The stored cursor is no longer valid: start again from the watermark.
            qCWarning(lcSync).noquote() << "PEMS refused the stored cursor of"
                                        << run->organizationCode << "- restarting at the watermark";
            db::ReadSyncRepository repository(run->db);
            auto state = repository.state(run->organizationId);
            if (!state || !repository.dropCursor(run->organizationId)) {
                finish(run, std::unexpected(
                                state ? Error{ErrorCode::Database, u"could not drop the cursor"_s}
                                      : state.error()));
                return;
            }
            run->cursor.clear();
            run->since = state->watermark;
            run->result.resumed = false;
            fetch(run);
            return;
        }
        const auto kind = pems::failureClass(failure);
        if (kind == model::FailureClass::RateLimit) {
            const auto* limited = std::get_if<pems::RateLimited>(&failure);
            const auto wait =
                limited ? std::chrono::duration_cast<std::chrono::milliseconds>(limited->retryAfter)
                        : 1000ms;
            QTimer::singleShot(ceilMs(wait), this, [this, run] { fetch(run); });
            return;
        }
        if (kind == model::FailureClass::Transient && run->retries < m_config.pageRetries) {
            const auto wait = m_config.retryDelay * (1 << run->retries);
            ++run->retries;
            qCInfo(lcSync).noquote() << "read sync of" << run->organizationCode
                                     << "- page failed, retrying:" << pems::describe(failure);
            QTimer::singleShot(ceilMs(wait), this, [this, run] { fetch(run); });
            return;
        }
        finish(run, std::unexpected(pems::toError(failure)));
        return;
    }
    run->retries = 0;

    std::vector<db::PulledRecord> records;
    records.reserve(page->records.size());
    for (auto& record : page->records) {
        for (const QString& name : record.unknownFields)
            run->unknownFields.insert(name);
        if (record.organizationCode != run->organizationCode && !record.organizationCode.isEmpty())
            continue; // never store another organization's record under this one
        records.push_back({.pfaId = std::move(record.pfaId),
                           .version = record.version,
                           .updatedAt = record.updatedAt,
                           .deleted = record.deleted,
                           .data = std::move(record.data)});
    }
    const QString nextCursor = page->nextCursor.value_or(QString());
    run->toStore.push_back({db::ReadSyncRepository::preparePage(records), nextCursor});
    if (!nextCursor.isEmpty()) {
        // Ask for the next page now, while this one is stored, unless one is still waiting.
        run->cursor = nextCursor;
        if (run->storing)
            run->fetchDeferred = true;
        else
            fetch(run);
    }
    pumpStore(run);
}

void ReadSync::pumpStore(const std::shared_ptr<Run>& run)
{
    if (run->storing || run->toStore.empty())
        return;
    run->storing = true;
    auto pending = std::make_shared<Run::Pending>(std::move(run->toStore.front()));
    run->toStore.pop_front();
    const qint64 organizationId = run->organizationId;
    const std::optional<qint64> lockPid = run->lockPid;
    const QString actor = m_config.actor;
    db::Database* database = &m_database;
    // In the writer thread. `this` is only posted to: the destructor waits for the thread first.
    QMetaObject::invokeMethod(
        m_writer.get(),
        [this, run, pending, organizationId, lockPid, actor, database] {
            Expected<db::StoredPage> stored = [&]() -> Expected<db::StoredPage> {
                auto connection = database->connection();
                if (!connection)
                    return std::unexpected(connection.error());
                return db::ReadSyncRepository(*connection)
                    .storePage(organizationId, pending->page, pending->nextCursor, actor, lockPid);
            }();
            QMetaObject::invokeMethod(
                this,
                [this, run, pending, stored = std::move(stored)]() mutable {
                    onStored(run, std::move(stored), pending->nextCursor);
                },
                Qt::QueuedConnection);
        },
        Qt::QueuedConnection);
}

void ReadSync::onStored(const std::shared_ptr<Run>& run, Expected<db::StoredPage> stored,
                        const QString& nextCursor)
{
    run->storing = false;
    if (run->done)
        return;
    if (!stored) {
        finish(run, std::unexpected(stored.error()));
        return;
    }
    ++run->result.pages;
    run->result.received += stored->received;
    run->result.inserted += stored->inserted;
    run->result.updated += stored->updated;
    run->result.tombstones += stored->tombstones;
    run->result.staleFlagged += stored->staleFlagged;
    Q_EMIT pageStored(run->organizationId, run->result.pages);
    if (run->done)
        return;
    if (run->finishAfterStore) {
        auto failure = std::move(*run->finishAfterStore);
        run->finishAfterStore.reset();
        finish(run, std::move(failure));
        return;
    }
    if (nextCursor.isEmpty()) {
        finish(run, run->result);
        return;
    }
    if (run->fetchDeferred) {
        run->fetchDeferred = false;
        fetch(run);
    }
    pumpStore(run);
}

void ReadSync::finish(const std::shared_ptr<Run>& run, Expected<ReadSyncResult> result)
{
    if (run->done)
        return;
    if (run->storing) {
        // The page with the writer decides whether its cursor moves; end after it.
        run->finishAfterStore = std::move(result);
        return;
    }
    run->done = true;
    if (m_runs.contains(run->organizationId) && m_runs.at(run->organizationId) == run)
        m_runs.erase(run->organizationId);
    if (result) {
        for (const QString& name : run->unknownFields)
            result->unknownFields << name;
        if (!result->unknownFields.isEmpty())
            qCWarning(lcSync).noquote()
                << "PEMS sent fields this version does not know (ignored) for"
                << run->organizationCode << ":" << result->unknownFields.join(u", "_s);
    }
    if (run->db.isValid()) {
        closeRun(*run, result);
        run->db = QSqlDatabase();
        m_database.releaseDedicatedConnection(run->connectionPurpose);
    }
    if (result)
        qCInfo(lcSync).noquote() << "read sync of" << run->organizationCode
                                 << "done:" << result->received << "records in" << result->pages
                                 << "pages," << result->inserted << "new," << result->updated
                                 << "updated," << result->tombstones << "tombstones,"
                                 << result->staleFlagged << "stale";
    else
        qCWarning(lcSync).noquote()
            << "read sync of" << run->organizationCode << "failed:" << result.error().message;
    const bool ok = result.has_value();
    if (!run->hasContext || run->context)
        run->callback(std::move(result));
    Q_EMIT finished(run->organizationId, ok);
}

void ReadSync::closeRun(Run& run, Expected<ReadSyncResult>& result)
{
    const db::ReadSyncRepository repository(run.db);
    nlohmann::json unknown = nlohmann::json::array();
    for (const QString& name : run.unknownFields)
        unknown.push_back(name.toStdString());
    const nlohmann::json details = {
        {"pages", run.result.pages},           {"received", run.result.received},
        {"inserted", run.result.inserted},     {"updated", run.result.updated},
        {"tombstones", run.result.tombstones}, {"staleFlagged", run.result.staleFlagged},
        {"resumed", run.result.resumed},       {"unknownFields", unknown}};
    const QString error = result ? QString() : result.error().message;
    if (auto finished = repository.finishRun(run.organizationId, error, details, m_config.actor);
        !finished && result)
        result = std::unexpected(finished.error());
    if (result) {
        if (auto state = repository.state(run.organizationId))
            result->watermark = state->watermark;
    }
    if (run.locked)
        (void)repository.unlock(run.organizationId);
}

void ReadSync::startSchedule(std::vector<qint64> organizationIds)
{
    m_scheduled = std::move(organizationIds);
    scheduleNext();
}

void ReadSync::stopSchedule()
{
    m_scheduled.clear();
    m_scheduleTimer.stop();
}

void ReadSync::scheduleNext()
{
    if (!m_config.schedule || m_scheduled.empty())
        return;
    const QDateTime now = QDateTime::currentDateTimeUtc();
    const QDateTime next = m_config.schedule->nextAfter(now);
    if (!next.isValid())
        return;
    m_scheduleTimer.start(
        int(std::clamp<qint64>(now.msecsTo(next), 0, std::numeric_limits<int>::max())));
}

} // namespace pfa::sync
