#include "RunFigures.h"

#include "BenchDatabase.h"
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

Expected<RunFigures> RunFigures::collect(const BenchDatabase& database, app::PemsSimProcess& sim,
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
    RunFigures figures;
    figures.synced = query->value(0).toLongLong();
    figures.failed = query->value(1).toLongLong();
    figures.conflicts = query->value(2).toLongLong();
    figures.wallSeconds = query->value(3).toDouble();

    auto stats = sim.stats();
    if (!stats)
        return std::unexpected(stats.error());
    figures.busiestWindow = stats->value("maxRequestsInAnySecond", 0);
    figures.duplicates = stats->value("duplicateApplications", qint64(0));
    const nlohmann::json requests = stats->value("requests", nlohmann::json::object());
    for (const auto& [key, count] : requests.items()) {
        const QString route = QString::fromStdString(key);
        if (route.startsWith(u"PUT "_s))
            figures.requests += count.get<qint64>();
        if (route.endsWith(u" 429"_s))
            figures.http429 += count.get<qint64>();
    }
    return figures;
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
}

} // namespace pfa::bench
