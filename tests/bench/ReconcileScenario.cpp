#include "ReconcileScenario.h"

#include "BenchLog.h"
#include "PullWorld.h"
#include "RunFigures.h"
#include "TargetCheck.h"
#include "db/Sql.h"
#include "shared/PemsSimProcess.h"
#include "sync/Reconciler.h"

#include <QElapsedTimer>
#include <QEventLoop>
#include <QSet>
#include <QTimer>

using namespace Qt::StringLiterals;
using namespace std::chrono_literals;

namespace pfa::bench {

namespace {

const QString Name = u"reconcile-100k"_s;

QString textArray(const QStringList& values)
{
    return u"{"_s + values.join(u',') + u"}"_s;
}

} // namespace

ReconcileScenario::ReconcileScenario(int records, int drift, bool quick)
    : m_records(records)
    , m_drift(drift)
    , m_quick(quick)
{}

ReportLine ReconcileScenario::run()
{
    return lineOrError(measure(), Name.toStdString(), m_quick);
}

Expected<ReportLine> ReconcileScenario::measure()
{
    progress(Name, u"starting PostgreSQL and pems-sim with %1 records"_s.arg(m_records));
    auto created = PullWorld::create(m_records);
    if (!created)
        return std::unexpected(created.error());
    PullWorld& world = **created;
    progress(Name, u"filling the mirror"_s);
    if (auto pulled = world.pull(); !pulled)
        return std::unexpected(pulled.error());

    // Four kinds, spread over the records: a stride keeps them apart.
    const int perKind = m_drift / 4;
    const int stride = std::max(1, m_records / (m_drift + 1));
    QStringList removed, changedInPems, changedInMirror, mirrorOnly;
    for (int i = 0; i < perKind * 3; ++i) {
        const QString pfaId = PullWorld::pfaId((i + 1) * stride);
        (i % 3 == 0 ? removed : i % 3 == 1 ? changedInPems : changedInMirror) << pfaId;
    }
    for (int i = 0; i < m_drift - perKind * 3; ++i)
        mirrorOnly << u"PFA-X%1"_s.arg(i + 1);
    progress(Name, u"injecting %1 differences"_s.arg(m_drift));
    const QSqlDatabase& db = world.database().connection();
    const qint64 org = world.organizationId();
    if (auto done = db::runQuery(db, u"remove mirror rows",
                                 u"DELETE FROM pfa_mirror WHERE organization_id = :org"
                                 " AND pfa_id = ANY(CAST(:ids AS text[]))"_s,
                                 {{"org"_L1, org}, {"ids"_L1, textArray(removed)}});
        !done)
        return std::unexpected(done.error());
    if (auto done = db::runQuery(db, u"change mirror values",
                                 u"UPDATE pfa_mirror SET data = jsonb_set(data, '{description}',"
                                 " '\"changed locally\"') WHERE organization_id = :org"
                                 " AND pfa_id = ANY(CAST(:ids AS text[]))"_s,
                                 {{"org"_L1, org}, {"ids"_L1, textArray(changedInMirror)}});
        !done)
        return std::unexpected(done.error());
    if (auto done = db::runQuery(
            db, u"add mirror rows PEMS never had",
            u"INSERT INTO pfa_mirror (organization_id, pfa_id, version, data)"
            " SELECT :org, id, 1, (SELECT data FROM pfa_mirror WHERE organization_id = :org2"
            "                       ORDER BY id LIMIT 1) || jsonb_build_object('pfaId', id)"
            "   FROM unnest(CAST(:ids AS text[])) AS id"_s,
            {{"org"_L1, org}, {"org2"_L1, org}, {"ids"_L1, textArray(mirrorOnly)}});
        !done)
        return std::unexpected(done.error());
    for (const QString& pfaId : changedInPems) {
        if (auto edited = world.sim().editRecord(QString::fromLatin1(PullWorld::OrganizationCode),
                                                 pfaId, {{"description", "changed in PEMS"}});
            !edited)
            return std::unexpected(edited.error());
    }
    QSet<QString> injected;
    for (const QStringList* list : {&removed, &changedInPems, &changedInMirror, &mirrorOnly})
        for (const QString& pfaId : *list)
            injected.insert(pfaId);

    progress(Name, u"reconciling"_s);
    sync::ReadSyncConfig config;
    config.pems.baseUrl = world.sim().baseUrl();
    config.pems.apiKey = QString::fromLatin1(app::PemsSimProcess::defaultApiKey());
    config.pageSize = 1000;
    sync::Reconciler reconciler(world.database().database(), &world.network(), config);
    PullWorld::resetPeakRss();
    std::optional<Expected<model::DriftReport>> answer;
    QEventLoop loop;
    QElapsedTimer timer;
    timer.start();
    reconciler.report(org, &loop, [&](Expected<model::DriftReport> report) {
        answer = std::move(report);
        loop.quit();
    });
    QTimer::singleShot(10min, &loop, &QEventLoop::quit);
    loop.exec();
    const double wall = double(timer.nsecsElapsed()) / 1e9;
    const auto peak = PullWorld::peakRssMb();
    if (!answer)
        return fail(ErrorCode::Io, u"the reconciliation did not finish within 10 minutes"_s);
    if (!*answer)
        return std::unexpected(answer->error());

    qint64 found = 0;
    qint64 falsePositives = 0;
    for (const auto& drift : (*answer)->drifts)
        (injected.contains(drift.pfaId) ? found : falsePositives) += 1;
    ReportLine line = {{"scenario", Name.toStdString()},
                       {"quick", m_quick},
                       {"items", m_records},
                       {"wall_s", rounded(wall)},
                       {"items_per_s", rounded(wall > 0 ? m_records / wall : 0, 0)},
                       {"peak_rss_mb", peak ? nlohmann::ordered_json(rounded(*peak, 1))
                                            : nlohmann::ordered_json()},
                       {"drift_injected", m_drift},
                       {"drift_found", found},
                       {"false_positives", falsePositives},
                       {"by_kind",
                        {{"missing_in_mirror", (*answer)->count(model::DriftKind::MissingInMirror)},
                         {"missing_in_pems", (*answer)->count(model::DriftKind::MissingInPems)},
                         {"version_mismatch", (*answer)->count(model::DriftKind::VersionMismatch)},
                         {"field_mismatch", (*answer)->count(model::DriftKind::FieldMismatch)}}}};
    TargetCheck targets;
    targets.atMost("wall_s", wall, 60, /*strict=*/true);
    targets.atLeast("drift_found", double(found), m_drift);
    targets.atMost("false_positives", double(falsePositives), 0);
    targets.writeTo(line);
    return line;
}

} // namespace pfa::bench
