#include "ReadSyncScenario.h"

#include "BenchLog.h"
#include "PullWorld.h"
#include "RunFigures.h"
#include "TargetCheck.h"
#include "db/Sql.h"

#include <QElapsedTimer>

using namespace Qt::StringLiterals;

namespace pfa::bench {

namespace {

const QString Name = u"readsync-100k"_s;

} // namespace

ReadSyncScenario::ReadSyncScenario(int records, bool quick)
    : m_records(records)
    , m_quick(quick)
{}

ReportLine ReadSyncScenario::run()
{
    return lineOrError(measure(), Name.toStdString(), m_quick);
}

Expected<ReportLine> ReadSyncScenario::measure()
{
    progress(Name, u"starting PostgreSQL and pems-sim with %1 records"_s.arg(m_records));
    auto world = PullWorld::create(m_records);
    if (!world)
        return std::unexpected(world.error());
    progress(Name, u"pulling"_s);
    PullWorld::resetPeakRss();
    QElapsedTimer timer;
    timer.start();
    auto result = (*world)->pull();
    const double wall = double(timer.nsecsElapsed()) / 1e9;
    const auto peak = PullWorld::peakRssMb();
    if (!result)
        return std::unexpected(result.error());

    auto counts = db::runQuery((*world)->database().connection(), u"count the pulled records",
                               u"SELECT (SELECT count(*) FROM pfa_mirror),"
                               "       (SELECT count(*) FROM pfa_mirror_history)"_s);
    if (!counts)
        return std::unexpected(counts.error());
    counts->next();
    const qint64 mirrored = counts->value(0).toLongLong();
    const double perSecond = wall > 0 ? double(mirrored) / wall : 0;
    ReportLine line = {{"scenario", Name.toStdString()},
                       {"quick", m_quick},
                       {"items", m_records},
                       {"wall_s", rounded(wall)},
                       {"items_per_s", rounded(perSecond, 0)},
                       {"peak_rss_mb", peak ? nlohmann::ordered_json(rounded(*peak, 1))
                                            : nlohmann::ordered_json()},
                       {"pages", result->pages},
                       {"mirrored", mirrored},
                       {"history_rows", counts->value(1).toLongLong()},
                       {"lost", qint64(m_records) - mirrored}};
    TargetCheck targets;
    targets.atLeast("items_per_s", perSecond, 5000);
    targets.atMost("peak_rss_mb", peak.value_or(0), 200, /*strict=*/true);
    targets.writeTo(line);
    return line;
}

} // namespace pfa::bench
