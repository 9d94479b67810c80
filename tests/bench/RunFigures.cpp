#include "RunFigures.h"

#include "BenchDatabase.h"
#include "ProcessCpu.h"
#include "WorkerProcess.h"
#include "db/Sql.h"
#include "shared/PemsSimProcess.h"

#include <cmath>

using namespace Qt::StringLiterals;

namespace pfa::bench {

double rounded(double value, int decimals)
{
    const double scale = std::pow(10.0, decimals);
    return std::round(value * scale) / scale;
}

Expected<void> RunFigures::collect(const BenchDatabase& database, app::PemsSimProcess& sim,
                                   const QString& t0)
{
    auto query =
        db::runQuery(database.connection(), u"count the outcomes",
                     u"SELECT count(*) FILTER (WHERE sync_status = 'synced'),"
                     "       count(*) FILTER (WHERE sync_status = 'failed'),"
                     "       count(*) FILTER (WHERE sync_status = 'conflict'),"
                     "       CAST(EXTRACT(EPOCH FROM max(synced_at) - CAST(:t0 AS timestamptz))"
                     "            AS double precision)"
                     "  FROM pfa_modification"_s,
                     {{"t0"_L1, t0}});
    if (!query)
        return std::unexpected(query.error());
    query->next();
    synced = query->value(0).toLongLong();
    failed = query->value(1).toLongLong();
    conflicts = query->value(2).toLongLong();
    wallSeconds = query->value(3).toDouble();

    auto stats = sim.stats();
    if (!stats)
        return std::unexpected(stats.error());
    busiestWindow = stats->value("maxRequestsInAnySecond", 0);
    duplicates = stats->value("duplicateApplications", qint64(0));
    const nlohmann::json answered = stats->value("requests", nlohmann::json::object());
    for (const auto& [key, count] : answered.items()) {
        const QString route = QString::fromStdString(key);
        if (route.startsWith(u"PUT "_s))
            requests += count.get<qint64>();
        if (route.endsWith(u" 429"_s))
            http429 += count.get<qint64>();
    }
    return {};
}

double RunFigures::itemsPerSecond(qint64 items) const
{
    return wallSeconds > 0 ? double(items) / wallSeconds : 0.0;
}

void RunFigures::writeTo(ReportLine& line, qint64 items) const
{
    line["items"] = items;
    line["wall_s"] = rounded(wallSeconds);
    line["items_per_s"] = rounded(itemsPerSecond(items), 1);
    line["busiest_window"] = busiestWindow;
    line["duplicates"] = duplicates;
    line["peak_rss_mb"] = peakRssMb ? ReportLine(rounded(*peakRssMb, 1)) : ReportLine();
    line["requests"] = requests;
    line["http_429"] = http429;
    line["synced"] = synced;
    line["failed"] = failed;
    line["conflicts"] = conflicts;
    line["lost"] = items - synced;
    auto optional = [](const std::optional<double>& value, int decimals) {
        return value ? ReportLine(rounded(*value, decimals)) : ReportLine();
    };
    line["worker_cpu_s"] = optional(workerCpuSeconds, 2);
    line["db_cpu_s"] = optional(databaseCpuSeconds, 2);
}

Expected<void> RunFigures::sampleWorker(const BenchDatabase& database, const WorkerProcess& worker)
{
    auto peak = worker.peakRssMb();
    if (!peak)
        return std::unexpected(peak.error());
    auto cpu = processCpuSeconds(worker.pid());
    if (!cpu)
        return std::unexpected(cpu.error());
    auto sessions = database.sessionCpuSeconds(QString::fromLatin1(WorkerProcess::ApplicationName));
    if (!sessions)
        return std::unexpected(sessions.error());
    peakRssMb = *peak;
    workerCpuSeconds = *cpu;
    databaseCpuSeconds = *sessions;
    return {};
}

} // namespace pfa::bench
