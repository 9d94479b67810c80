#include "StatusScenario.h"

#include "BenchDatabase.h"
#include "BenchLog.h"
#include "Percentiles.h"
#include "RunFigures.h"
#include "TargetCheck.h"
#include "db/OrganizationRepository.h"
#include "db/Sql.h"
#include "db/SyncStatusRepository.h"
#include "db/Transaction.h"
#include "db/UserRepository.h"

#include <QElapsedTimer>
#include <QStringList>

#include <array>

using namespace Qt::StringLiterals;

namespace pfa::bench {

namespace {

const QString Name = u"status-100k"_s;
const QString Actor = u"pfa-sync-bench"_s;
constexpr int ChangesPerRecord = 10;
constexpr int Organizations = 4;
constexpr qint64 SpanSeconds = 30LL * 24 * 3600; // the queue rows' created_at cover 30 days

// The fill writes the tables directly, set-based, instead of going through
// ModificationRepository: a synthetic history of 100,000 items in every state would take many
// minutes through the real commit path and the worker, and only the rows' shape matters here.
// Every value comes from bound parameters; the literals are the schema's own states.
const QString FillMirror =
    u"WITH p AS (SELECT CAST(:records AS bigint) AS records, CAST(:orgs AS bigint[]) AS orgs)"
    " INSERT INTO pfa_mirror (organization_id, pfa_id, version, data, pems_updated_at)"
    " SELECT p.orgs[1 + g % cardinality(p.orgs)], 'PFA-' || (100000 + g), 1,"
    "        jsonb_build_object('pfaId', 'PFA-' || (100000 + g)), now()"
    "   FROM p, generate_series(0, p.records - 1) g"_s;

// Buckets of 100: 85 synced, 5 failed, 2 conflict, 5 queued, 3 syncing; the multiplier spreads a
// record's ten changes over the buckets, and created_at rises with the id as in a real queue.
const QString FillModifications =
    u"WITH p AS (SELECT CAST(:rows AS bigint) AS rows, CAST(:records AS bigint) AS records,"
    "                   CAST(:orgs AS bigint[]) AS orgs, CAST(:user AS bigint) AS user_id,"
    "                   CAST(:span AS double precision) AS span),"
    " src AS (SELECT g, g % p.records AS r, (g * 7919 + (g / p.records) * 13) % 100 AS bucket,"
    "                now() - make_interval(secs => (p.rows - g) * p.span / p.rows) AS created"
    "           FROM p, generate_series(0, p.rows - 1) g)"
    " INSERT INTO pfa_modification (organization_id, pfa_id, user_id, operation, base_version,"
    "                               delta, change_reason, sync_status, synced_at, pems_version,"
    "                               created_at, updated_at)"
    " SELECT p.orgs[1 + src.r % cardinality(p.orgs)], 'PFA-' || (100000 + src.r), p.user_id,"
    "        'UPDATE', 1,"
    "        jsonb_build_object('forecastEnd', to_char(src.created + interval '30 days',"
    "                                                  'YYYY-MM-DD\"T\"00:00:00.000\"Z\"')),"
    "        'Weather delay on site',"
    "        CASE WHEN src.bucket < 85 THEN 'synced' WHEN src.bucket < 90 THEN 'failed'"
    "             WHEN src.bucket < 92 THEN 'conflict' WHEN src.bucket < 97 THEN 'queued'"
    "             ELSE 'syncing' END,"
    "        CASE WHEN src.bucket < 85"
    "             THEN src.created + make_interval(secs => 0.2 + (src.g % 50) / 10.0) END,"
    "        CASE WHEN src.bucket < 85 THEN 2 END, src.created, src.created"
    "   FROM p, src ORDER BY src.g"_s;

const QString FillQueue =
    u"INSERT INTO pfa_write_queue (modification_id, pfa_id, organization_id, operation, payload,"
    "                              status, retry_count, last_error, failure_class, scheduled_at,"
    "                              completed_at, created_at, last_attempt_at, locked_by,"
    "                              locked_until)"
    " SELECT m.id, m.pfa_id, m.organization_id, m.operation,"
    "        jsonb_build_object('pfaId', m.pfa_id, 'organizationCode', o.code,"
    "                           'changes', m.delta, 'version', m.base_version,"
    "                           'modifiedBy', CAST(:email AS text),"
    "                           'changeReason', m.change_reason),"
    "        CASE m.sync_status WHEN 'synced' THEN 'completed' WHEN 'queued' THEN 'pending'"
    "                           WHEN 'syncing' THEN 'processing' ELSE 'failed' END,"
    "        CASE WHEN m.sync_status = 'failed' THEN 3 ELSE 0 END,"
    "        CASE m.sync_status WHEN 'failed' THEN 'gave up after 4 attempts: PEMS answered 503'"
    "                           WHEN 'conflict' THEN 'PEMS changed the same fields' END,"
    "        CASE m.sync_status WHEN 'failed' THEN 'transient'"
    "                           WHEN 'conflict' THEN 'conflict' END,"
    "        m.created_at, m.synced_at, m.created_at,"
    "        CASE WHEN m.sync_status <> 'queued' THEN COALESCE(m.synced_at, m.created_at) END,"
    "        CASE WHEN m.sync_status = 'syncing' THEN CAST(:worker AS text) END,"
    "        CASE WHEN m.sync_status = 'syncing' THEN now() + interval '1 hour' END"
    "   FROM pfa_modification m JOIN organization o ON o.id = m.organization_id"
    "  ORDER BY m.id"_s;

// Open conflicts for the items in conflict, and about 3% of the synced ones rebased
// automatically (resolved_auto: the summary's autoMerged count).
const QString FillConflicts =
    u"INSERT INTO pfa_sync_conflict (pfa_id, organization_id, modification_id, local_version,"
    "                                pems_version, base_data, local_data, pems_data,"
    "                                conflict_fields, status, resolution, merged_data,"
    "                                resolved_at, created_at)"
    " SELECT m.pfa_id, m.organization_id, m.id, 1, 2, '{}', m.delta, '{}', '[\"forecastEnd\"]',"
    "        CASE WHEN m.sync_status = 'conflict' THEN 'unresolved' ELSE 'resolved_auto' END,"
    "        CASE WHEN m.sync_status = 'conflict' THEN NULL ELSE 'use_local' END,"
    "        CASE WHEN m.sync_status = 'conflict' THEN NULL ELSE m.delta END,"
    "        CASE WHEN m.sync_status = 'conflict' THEN NULL ELSE m.created_at END,"
    "        m.created_at"
    "   FROM pfa_modification m"
    "  WHERE m.sync_status = 'conflict' OR (m.sync_status = 'synced' AND m.id % 33 = 0)"_s;

enum class FilterKind
{
    None,
    Organization,
    DateRange
};

QString idArray(const std::vector<qint64>& ids)
{
    QStringList parts;
    for (const qint64 id : ids)
        parts << QString::number(id);
    return u"{"_s + parts.join(u',') + u"}"_s;
}

} // namespace

StatusScenario::StatusScenario(int rows, int calls, bool quick)
    : m_rows(rows)
    , m_calls(calls)
    , m_quick(quick)
{}

ReportLine StatusScenario::run()
{
    return lineOrError(measure(), Name.toStdString(), m_quick);
}

Expected<ReportLine> StatusScenario::measure()
{
    auto bench = BenchDatabase::start();
    if (!bench)
        return std::unexpected(bench.error());
    const QSqlDatabase& db = (*bench)->connection();
    progress(Name, u"filling %1 queue rows"_s.arg(m_rows));
    QElapsedTimer fill;
    fill.start();

    auto transaction = db::Transaction::begin(db);
    if (!transaction)
        return std::unexpected(transaction.error());
    auto user = db::UserRepository(db).create(
        {u"bench.planner@pfa.example"_s, u"Bench Planner"_s, false}, Actor);
    if (!user)
        return std::unexpected(user.error());
    std::vector<qint64> organizations;
    for (int i = 1; i <= Organizations; ++i) {
        auto organization = db::OrganizationRepository(db).create(
            u"ORG%1"_s.arg(i), u"Benchmark organization %1"_s.arg(i), Actor);
        if (!organization)
            return std::unexpected(organization.error());
        organizations.push_back(organization->id);
    }
    const qint64 records = std::max(1, m_rows / ChangesPerRecord);
    const QString orgs = idArray(organizations);
    auto mirror = db::runQuery(db, u"fill the mirror", FillMirror,
                               {{"records"_L1, records}, {"orgs"_L1, orgs}});
    if (!mirror)
        return std::unexpected(mirror.error());
    auto modifications = db::runQuery(db, u"fill the modifications", FillModifications,
                                      {{"rows"_L1, qint64(m_rows)},
                                       {"records"_L1, records},
                                       {"orgs"_L1, orgs},
                                       {"user"_L1, user->id},
                                       {"span"_L1, double(SpanSeconds)}});
    if (!modifications)
        return std::unexpected(modifications.error());
    auto queue = db::runQuery(db, u"fill the queue", FillQueue,
                              {{"email"_L1, user->email}, {"worker"_L1, u"bench-fill"_s}});
    if (!queue)
        return std::unexpected(queue.error());
    auto conflicts = db::runQuery(db, u"fill the conflicts", FillConflicts);
    if (!conflicts)
        return std::unexpected(conflicts.error());
    if (auto committed = transaction->commit(); !committed)
        return std::unexpected(committed.error());
    // What autovacuum does to a table that grew over a month (PostgreSQL 13+ vacuums after
    // inserts too): fresh statistics, and the visibility map that lets index-only scans skip the
    // heap for the settled rows, which nobody changes any more.
    if (auto vacuumed = db::runStatement(db, u"vacuum and analyze the filled tables",
                                         u"VACUUM ANALYZE pfa_mirror, pfa_modification,"
                                         " pfa_write_queue, pfa_sync_conflict"_s);
        !vacuumed)
        return std::unexpected(vacuumed.error());
    const double fillSeconds = double(fill.elapsed()) / 1000.0;
    progress(Name, u"filled in %1 s; timing %2 summaries"_s.arg(fillSeconds).arg(m_calls));

    const db::SyncStatusRepository status(db);
    const QDateTime now = QDateTime::currentDateTimeUtc();
    std::vector<double> all;
    std::array<std::vector<double>, 3> byKind;
    qint64 totalNs = 0;
    for (int call = 0; call < m_calls; ++call) {
        const auto kind = FilterKind(call % 3);
        db::SyncStatusFilter filter;
        if (kind == FilterKind::Organization)
            filter.organizationId = organizations[std::size_t(call / 3) % organizations.size()];
        if (kind == FilterKind::DateRange) {
            // A week, somewhere in the last month.
            filter.since = now.addDays(-7 - (call / 3) % 21);
            filter.until = filter.since->addDays(7);
        }
        QElapsedTimer timer;
        timer.start();
        auto summary = status.summary(filter);
        const qint64 ns = timer.nsecsElapsed();
        if (!summary)
            return std::unexpected(summary.error());
        totalNs += ns;
        all.push_back(double(ns) / 1e6);
        byKind[std::size_t(kind)].push_back(double(ns) / 1e6);
    }

    auto counts = db::runQuery(db, u"count the filled outcomes",
                               u"SELECT count(*) FILTER (WHERE sync_status = 'synced'),"
                               "       count(*) FILTER (WHERE sync_status = 'failed'),"
                               "       count(*) FILTER (WHERE sync_status = 'conflict')"
                               "  FROM pfa_modification"_s);
    if (!counts)
        return std::unexpected(counts.error());
    counts->next();

    const Percentiles overall = Percentiles::of(all);
    ReportLine line = {{"scenario", Name.toStdString()},
                       {"quick", m_quick},
                       {"items", m_rows},
                       {"wall_s", rounded(double(totalNs) / 1e9)},
                       {"items_per_s", nullptr},
                       {"busiest_window", nullptr},
                       {"duplicates", nullptr},
                       {"peak_rss_mb", nullptr},
                       {"requests", nullptr},
                       {"http_429", nullptr},
                       {"synced", counts->value(0).toLongLong()},
                       {"failed", counts->value(1).toLongLong()},
                       {"conflicts", counts->value(2).toLongLong()},
                       {"calls", m_calls},
                       {"p50_ms", rounded(overall.p50, 2)},
                       {"p95_ms", rounded(overall.p95, 2)},
                       {"p99_ms", rounded(overall.p99, 2)},
                       {"p99_ms_by_filter",
                        {{"none", rounded(Percentiles::of(byKind[0]).p99, 2)},
                         {"organization", rounded(Percentiles::of(byKind[1]).p99, 2)},
                         {"date_range", rounded(Percentiles::of(byKind[2]).p99, 2)}}},
                       {"fill_s", rounded(fillSeconds, 1)}};
    TargetCheck targets;
    targets.atMost("p99_ms", overall.p99, 50, /*strict=*/true);
    targets.writeTo(line);
    return line;
}

} // namespace pfa::bench
