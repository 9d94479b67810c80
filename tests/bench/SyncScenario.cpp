#include "SyncScenario.h"

#include "BenchLog.h"
#include "BenchWorld.h"
#include "RunFigures.h"
#include "TargetCheck.h"
#include "WorkerProcess.h"
#include "db/SyncStatusRepository.h"
#include "shared/PemsSimProcess.h"

#include <QElapsedTimer>
#include <QEventLoop>
#include <QTimer>

using namespace Qt::StringLiterals;
using namespace std::chrono_literals;

namespace pfa::bench {

namespace {

constexpr auto PollInterval = 50ms;

// The environment of the benchmark may change what the worker runs with, for experiments.
int environmentInt(const char* name, int fallback)
{
    bool ok = false;
    const int value = qEnvironmentVariableIntValue(name, &ok);
    return ok && value > 0 ? value : fallback;
}

} // namespace

SyncScenario::SyncScenario(SyncScenarioSpec spec, bool quick, int workerNumber)
    : m_spec(std::move(spec))
    , m_quick(quick)
    , m_workerNumber(workerNumber)
{}

ReportLine SyncScenario::run()
{
    return lineOrError(measure(), m_spec.name, m_quick);
}

Expected<ReportLine> SyncScenario::measure()
{
    const QString name = QString::fromStdString(m_spec.name);
    const int items = m_spec.records * m_spec.changesPerRecord;
    QElapsedTimer setup;
    setup.start();
    progress(name, u"seeding %1 records into the mirror and pems-sim"_s.arg(m_spec.records));
    QStringList simArguments;
    if (m_spec.rateLimit > 0)
        simArguments << u"--rate-limit"_s << QString::number(m_spec.rateLimit);
    auto world = BenchWorld::create({.records = m_spec.records, .simArguments = simArguments});
    if (!world)
        return std::unexpected(world.error());
    app::PemsSimProcess& sim = (*world)->sim();
    if (m_spec.putLatencyMs > 0) {
        if (auto faulted =
                sim.setFaults({{"routes", {{"PUT", {{"latencyMs", m_spec.putLatencyMs}}}}}});
            !faulted)
            return std::unexpected(faulted.error());
    }
    progress(name, u"committing %1 modifications in one transaction"_s.arg(items));
    auto committed = (*world)->commitAll(m_spec.records, m_spec.changesPerRecord);
    if (!committed)
        return std::unexpected(committed.error());
    progress(name, u"set up in %1 s; starting the worker"_s.arg(double(setup.elapsed()) / 1000.0));

    const WorkerSettings settings{.workerId = u"bench-%1"_s.arg(m_workerNumber),
                                  .databaseUrl = (*world)->database().url(),
                                  .pemsUrl = sim.baseUrl(),
                                  .apiKey =
                                      QString::fromLatin1(app::PemsSimProcess::defaultApiKey()),
                                  .rateLimit = m_spec.rateLimit,
                                  .concurrency = environmentInt("WRITE_SYNC_CONCURRENCY", 32),
                                  .batchSize = environmentInt("WRITE_SYNC_BATCH_SIZE", 100)};
    WorkerProcess worker;
    if (auto started = worker.start(settings, WorkerProcess::StartTimeoutMs); !started)
        return std::unexpected(started.error());
    auto t0 = (*world)->database().clockNow();
    if (!t0)
        return std::unexpected(t0.error());

    // At the rate limit every request takes its slot; without one, allow 100 items/s at least,
    // which even a sanitizer build on a busy machine exceeds many times over.
    const int requestsNeeded = m_spec.records;
    const auto expected = m_spec.rateLimit > 0
                              ? std::chrono::seconds(requestsNeeded / m_spec.rateLimit)
                              : std::chrono::seconds(items / 100);
    const auto timeout = 3 * expected + 120s;
    if (auto settled = waitUntilSettled(**world, worker, *committed, timeout); !settled)
        return std::unexpected(settled.error());

    RunFigures figures;
    if (auto sampled = figures.sampleWorker((*world)->database(), worker); !sampled)
        return std::unexpected(sampled.error());
    if (auto stopped = worker.stop(WorkerProcess::StopTimeoutMs); !stopped)
        return std::unexpected(stopped.error());
    if (auto collected = figures.collect((*world)->database(), sim, *t0); !collected)
        return std::unexpected(collected.error());

    ReportLine line = {{"scenario", m_spec.name}, {"quick", m_quick}};
    figures.writeTo(line, *committed);
    line["records"] = m_spec.records;
    line["rate_limit"] = m_spec.rateLimit;
    line["concurrency"] = settings.concurrency;
    line["batch_size"] = settings.batchSize;
    if (m_spec.putLatencyMs > 0)
        line["put_latency_ms"] = m_spec.putLatencyMs;

    TargetCheck targets;
    const double itemsPerSecond = figures.itemsPerSecond(*committed);
    if (m_spec.slackSeconds) {
        // One request per record (its changes coalesce), spaced by the limit.
        const double wallLimit =
            double(requestsNeeded) / double(m_spec.rateLimit) + *m_spec.slackSeconds;
        targets.atMost("wall_s", figures.wallSeconds, wallLimit);
        targets.atMost("busiest_window", figures.busiestWindow, m_spec.rateLimit);
    }
    if (m_spec.minItemsPerSecond)
        targets.atLeast("items_per_s", itemsPerSecond, *m_spec.minItemsPerSecond);
    if (m_spec.minCeilingRatio) {
        const double ceiling = double(settings.concurrency) * 1000.0 / m_spec.putLatencyMs;
        const double ratio = itemsPerSecond / ceiling;
        line["ceiling"] = rounded(ceiling, 1);
        line["ratio"] = rounded(ratio);
        targets.atLeast("ratio", ratio, *m_spec.minCeilingRatio);
    }
    // A change applied twice is wrong at any speed.
    targets.atMost("duplicates", double(figures.duplicates), 0);
    targets.atMost("peak_rss_mb", *figures.peakRssMb, PeakRssLimitMb, /*strict=*/true);
    targets.writeTo(line);
    return line;
}

Expected<void> SyncScenario::waitUntilSettled(BenchWorld& world, WorkerProcess& worker,
                                              qint64 items, std::chrono::seconds timeout)
{
    const QString name = QString::fromStdString(m_spec.name);
    const db::SyncStatusRepository status(world.database().connection());
    std::optional<Error> failure;
    QElapsedTimer clock;
    clock.start();
    qint64 lastReport = 0;
    QEventLoop loop;
    QTimer tick;
    tick.setInterval(PollInterval);
    QObject::connect(&tick, &QTimer::timeout, &loop, [&] {
        auto summary = status.summary();
        if (!summary) {
            failure = summary.error();
            loop.quit();
            return;
        }
        const qint64 done = summary->completed + summary->failed + summary->conflicts;
        if (summary->pending + summary->processing == 0 && done >= items) {
            loop.quit();
        } else if (clock.elapsed() > std::chrono::milliseconds(timeout).count()) {
            failure = Error{
                ErrorCode::Io,
                u"%1 of %2 items settled after %3 s"_s.arg(done).arg(items).arg(timeout.count())};
            loop.quit();
        } else if (clock.elapsed() - lastReport >= 5000) {
            lastReport = clock.elapsed();
            progress(name,
                     u"%1/%2 settled after %3 s"_s.arg(done).arg(items).arg(lastReport / 1000));
        }
    });
    QObject::connect(&worker.process(), &QProcess::finished, &loop, [&](int code) {
        failure =
            Error{ErrorCode::Io, u"the worker exited with code %1 during the run"_s.arg(code)};
        loop.quit();
    });
    tick.start();
    loop.exec();
    tick.stop();
    if (failure)
        return std::unexpected(*failure);
    return {};
}

} // namespace pfa::bench
