#include "LatencyScenario.h"

#include "BenchLog.h"
#include "BenchWorld.h"
#include "Percentiles.h"
#include "RunFigures.h"
#include "TargetCheck.h"
#include "WorkerProcess.h"
#include "db/Sql.h"
#include "shared/PemsSimProcess.h"
#include "sync/EventBus.h"

#include <QElapsedTimer>
#include <QEventLoop>
#include <QTimer>

#include <algorithm>
#include <functional>
#include <map>

using namespace Qt::StringLiterals;
using namespace std::chrono_literals;

namespace pfa::bench {

namespace {

const QString Name = u"latency"_s;
// The production default. Commits are spaced wider than its 101.5 ms slot spacing, so the limiter
// never makes an item wait for a slot: the figures are the pipeline's own latency.
constexpr int RateLimit = 10;
constexpr auto CommitSpacing = 150ms;
constexpr auto EventTimeout = 30s;

// Runs the event loop until `done` holds (checked on every event the bus delivers), the worker
// exits or `timeout` passes; whether `done` holds.
bool waitForOutcome(sync::EventBus& bus, WorkerProcess& worker, const std::function<bool()>& done,
                    std::chrono::milliseconds timeout)
{
    if (done())
        return true;
    QEventLoop loop;
    QObject::connect(&bus, &sync::EventBus::eventReceived, &loop, [&] {
        if (done())
            loop.quit();
    });
    QObject::connect(&worker.process(), &QProcess::finished, &loop, &QEventLoop::quit);
    QTimer::singleShot(timeout, &loop, &QEventLoop::quit);
    loop.exec();
    return done();
}

// Lets the event loop run for `duration`: events keep being delivered meanwhile.
void pause(std::chrono::nanoseconds duration)
{
    if (duration <= 0ns)
        return;
    QEventLoop loop;
    QTimer::singleShot(std::chrono::ceil<std::chrono::milliseconds>(duration), Qt::PreciseTimer,
                       &loop, &QEventLoop::quit);
    loop.exec();
}

} // namespace

LatencyScenario::LatencyScenario(int items, bool quick, int workerNumber)
    : m_items(items)
    , m_quick(quick)
    , m_workerNumber(workerNumber)
{}

ReportLine LatencyScenario::run()
{
    return lineOrError(measure(), Name.toStdString(), m_quick);
}

Expected<ReportLine> LatencyScenario::measure()
{
    progress(Name, u"seeding %1 records into the mirror and pems-sim"_s.arg(m_items));
    auto world = BenchWorld::create(
        {.records = m_items, .simArguments = {u"--rate-limit"_s, QString::number(RateLimit)}});
    if (!world)
        return std::unexpected(world.error());
    app::PemsSimProcess& sim = (*world)->sim();

    // Outcomes as the bench's main thread hears them, like any other listener would.
    sync::EventBus bus((*world)->database().database());
    std::map<qint64, model::EventType> outcomes;
    std::map<qint64, qint64> heardAtNs; // modification → when its outcome arrived (steady clock)
    QElapsedTimer clock;
    clock.start();
    QObject::connect(&bus, &sync::EventBus::eventReceived, &bus,
                     [&](const model::SyncEvent& event) {
                         using model::EventType;
                         if (!event.modificationId || (event.type != EventType::SyncSuccess &&
                                                       event.type != EventType::SyncFailed &&
                                                       event.type != EventType::SyncConflict))
                             return;
                         outcomes.emplace(*event.modificationId, event.type);
                         heardAtNs.emplace(*event.modificationId, clock.nsecsElapsed());
                     });
    if (auto listening = bus.start(); !listening)
        return std::unexpected(listening.error());

    const WorkerSettings settings{.workerId = u"bench-%1"_s.arg(m_workerNumber),
                                  .databaseUrl = (*world)->database().url(),
                                  .pemsUrl = sim.baseUrl(),
                                  .apiKey =
                                      QString::fromLatin1(app::PemsSimProcess::defaultApiKey()),
                                  .rateLimit = RateLimit};
    WorkerProcess worker;
    if (auto started = worker.start(settings, WorkerProcess::StartTimeoutMs); !started)
        return std::unexpected(started.error());
    progress(Name, u"worker running; committing %1 modifications one at a time"_s.arg(m_items));
    auto t0 = (*world)->database().clockNow();
    if (!t0)
        return std::unexpected(t0.error());

    std::vector<double> observed; // commit() called → SYNC_SUCCESS heard, in ms
    qint64 lastCommitNs = -1;
    for (int index = 0; index < m_items; ++index) {
        if (lastCommitNs >= 0)
            pause(std::chrono::nanoseconds(lastCommitNs +
                                           std::chrono::nanoseconds(CommitSpacing).count() -
                                           clock.nsecsElapsed()));
        lastCommitNs = clock.nsecsElapsed();
        auto committed = (*world)->commitChange(index, 0);
        if (!committed)
            return std::unexpected(committed.error());
        const qint64 id = committed->modification.id;
        if (!waitForOutcome(
                bus, worker, [&] { return outcomes.contains(id); }, EventTimeout)) {
            return fail(ErrorCode::Io,
                        !worker.isRunning()
                            ? u"the worker exited during the run"_s
                            : u"no outcome for modification %1 within %2 s"_s.arg(id).arg(
                                  std::chrono::seconds(EventTimeout).count()));
        }
        if (outcomes.at(id) != model::EventType::SyncSuccess)
            return fail(ErrorCode::Io, u"modification %1 ended %2 instead of synced"_s.arg(id).arg(
                                           model::toWire(outcomes.at(id))));
        observed.push_back(double(heardAtNs.at(id) - lastCommitNs) / 1e6);
    }

    RunFigures figures;
    if (auto sampled = figures.sampleWorker((*world)->database(), worker); !sampled)
        return std::unexpected(sampled.error());
    if (auto stopped = worker.stop(WorkerProcess::StopTimeoutMs); !stopped)
        return std::unexpected(stopped.error());
    bus.stop();
    if (auto collected = figures.collect((*world)->database(), sim, *t0); !collected)
        return std::unexpected(collected.error());

    auto latencies = db::runQuery((*world)->database().connection(), u"read the latencies",
                                  u"SELECT CAST(EXTRACT(EPOCH FROM m.synced_at - q.created_at)"
                                  "             * 1000 AS double precision)"
                                  "  FROM pfa_modification m"
                                  "  JOIN pfa_write_queue q ON q.modification_id = m.id"
                                  " WHERE m.sync_status = 'synced'"_s);
    if (!latencies)
        return std::unexpected(latencies.error());
    std::vector<double> values;
    while (latencies->next())
        values.push_back(latencies->value(0).toDouble());
    const Percentiles database = Percentiles::of(values);
    const Percentiles client = Percentiles::of(observed);

    ReportLine line = {{"scenario", Name.toStdString()}, {"quick", m_quick}};
    figures.writeTo(line, m_items);
    line["p50_ms"] = rounded(database.p50, 1);
    line["p95_ms"] = rounded(database.p95, 1);
    line["p99_ms"] = rounded(database.p99, 1);
    line["max_ms"] = rounded(values.empty() ? 0.0 : *std::ranges::max_element(values), 1);
    line["observed_p50_ms"] = rounded(client.p50, 1);
    line["observed_p99_ms"] = rounded(client.p99, 1);
    line["rate_limit"] = RateLimit;
    line["commit_spacing_ms"] = qint64(CommitSpacing.count());
    TargetCheck targets;
    targets.atMost("p50_ms", database.p50, 50, /*strict=*/true);
    targets.atMost("p99_ms", database.p99, 250, /*strict=*/true);
    targets.atMost("duplicates", double(figures.duplicates), 0);
    targets.atMost("peak_rss_mb", *figures.peakRssMb, PeakRssLimitMb, /*strict=*/true);
    targets.writeTo(line);
    return line;
}

} // namespace pfa::bench
