// pfa-sync-bench [--quick] [SCENARIO…]: the write path's and the service API's figures, one JSON
// line per scenario on standard output (progress on standard error). See docs/benchmarks.md.

#include "ApiStatusScenario.h"
#include "ApiWriteScenario.h"
#include "BenchLog.h"
#include "LatencyScenario.h"
#include "ReadSyncScenario.h"
#include "ReconcileScenario.h"
#include "ReportLine.h"
#include "StatusScenario.h"
#include "SyncScenario.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QElapsedTimer>
#include <QLoggingCategory>

#include <cstdio>
#include <functional>
#include <vector>

using namespace Qt::StringLiterals;
using namespace pfa::bench;

namespace {

struct Scenario
{
    QString name;
    std::function<ReportLine(bool quick, int workerNumber)> run;
};

// Quick sizes keep every code path (rate limiting, coalescing, the 20 ms PEMS, events, a large
// status table) but finish together well within a minute.
std::vector<Scenario> scenarios()
{
    auto sync = [](SyncScenarioSpec full, SyncScenarioSpec quick) {
        return [full, quick](bool isQuick, int number) {
            return SyncScenario(isQuick ? quick : full, isQuick, number).run();
        };
    };
    const SyncScenarioSpec spec{
        .name = "spec-1000", .records = 1000, .rateLimit = 10, .slackSeconds = 2.0};
    const SyncScenarioSpec throughput{
        .name = "throughput-10k", .records = 10'000, .minItemsPerSecond = 2500};
    const SyncScenarioSpec slowPems{
        .name = "throughput-20ms", .records = 10'000, .putLatencyMs = 20, .minCeilingRatio = 0.9};
    const SyncScenarioSpec coalesce{.name = "coalesce-1000",
                                    .records = 100,
                                    .changesPerRecord = 10,
                                    .rateLimit = 10,
                                    .slackSeconds = 5.0};
    auto quickly = [](SyncScenarioSpec s, int records) {
        s.records = records;
        return s;
    };
    return {
        {u"spec-1000"_s, sync(spec, quickly(spec, 30))},
        {u"throughput-10k"_s, sync(throughput, quickly(throughput, 1000))},
        {u"throughput-20ms"_s, sync(slowPems, quickly(slowPems, 1000))},
        {u"coalesce-1000"_s, sync(coalesce, quickly(coalesce, 10))},
        {u"latency"_s,
         [](bool quick, int number) {
             return LatencyScenario(quick ? 30 : 200, quick, number).run();
         }},
        {u"status-100k"_s,
         [](bool quick, int) {
             return StatusScenario(quick ? 10'000 : 100'000, quick ? 50 : 200, quick).run();
         }},
        {u"readsync-100k"_s,
         [](bool quick, int) {
             return ReadSyncScenario(quick ? 5'000 : 100'000, quick).run();
         }},
        {u"reconcile-100k"_s,
         [](bool quick, int) {
             return ReconcileScenario(quick ? 5'000 : 100'000, 100, quick).run();
         }},
        {u"api-status-10k"_s,
         [](bool quick, int) {
             return ApiStatusScenario(quick ? 1'000 : 10'000, quick ? 5 : 20, quick ? 100 : 2'000,
                                      quick)
                 .run();
         }},
        {u"api-write-sync"_s,
         [](bool quick, int) {
             return ApiWriteScenario(quick ? 10 : 100, 100, quick ? 2 : 4, quick).run();
         }},
    };
}

} // namespace

int main(int argc, char* argv[])
{
    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName(u"pfa-sync-bench"_s);
    if (qEnvironmentVariableIsEmpty("BENCH_VERBOSE"))
        QLoggingCategory::setFilterRules(u"pfa.*.info=false\npfa.*.debug=false"_s);

    const std::vector<Scenario> all = scenarios();
    QStringList names;
    for (const Scenario& scenario : all)
        names << scenario.name;

    QCommandLineParser parser;
    parser.setApplicationDescription(
        u"Runs the write path's benchmark scenarios, each against its own PostgreSQL, pems-sim and"
        " `pfa-sync worker` process, and prints one JSON line per scenario. Exit code 1 when a"
        " scenario failed or lost items, and (full mode only) when a target was missed."_s);
    parser.addHelpOption();
    const QCommandLineOption quickOption(
        u"quick"_s, u"Smaller sizes (a smoke run; targets are reported but do not fail it)."_s);
    parser.addOption(quickOption);
    parser.addPositionalArgument(u"scenario"_s,
                                 u"Any of: "_s + names.join(u", "_s) + u" (default: all)."_s,
                                 u"[scenario…]"_s);
    parser.process(app);
    const bool quick = parser.isSet(quickOption);
    QStringList chosen = parser.positionalArguments();
    for (const QString& name : chosen) {
        if (!names.contains(name)) {
            progress(u"pfa-sync-bench"_s,
                     u"unknown scenario \"%1\"; known: %2"_s.arg(name, names.join(u", "_s)));
            return 2;
        }
    }
    if (chosen.isEmpty())
        chosen = names;

    QElapsedTimer clock;
    clock.start();
    int failures = 0; // errors and lost items
    int missed = 0;
    int number = 0;
    for (const Scenario& scenario : all) {
        if (!chosen.contains(scenario.name))
            continue;
        QElapsedTimer took;
        took.start();
        const ReportLine line = scenario.run(quick, ++number);
        std::fputs((line.dump() + "\n").c_str(), stdout);
        std::fflush(stdout);
        if (line.contains("error") || line.value("lost", qint64(0)) > 0)
            ++failures;
        else if (!line.value("met", true))
            ++missed;
        progress(scenario.name, u"done in %1 s"_s.arg(double(took.elapsed()) / 1000.0, 0, 'f', 1));
    }
    progress(u"pfa-sync-bench"_s,
             u"%1 scenarios in %2 s: %3 failed, %4 missed a target%5"_s.arg(number)
                 .arg(double(clock.elapsed()) / 1000.0, 0, 'f', 1)
                 .arg(failures)
                 .arg(missed)
                 .arg(quick && missed > 0 ? u" (not an error in --quick)"_s : QString()));
    if (failures > 0)
        return 1;
    return !quick && missed > 0 ? 1 : 0;
}
