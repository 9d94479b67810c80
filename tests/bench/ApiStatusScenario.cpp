#include "ApiStatusScenario.h"

#include "ApiLoad.h"
#include "ApiServiceProcess.h"
#include "BenchLog.h"
#include "BenchWorld.h"
#include "Percentiles.h"
#include "RunFigures.h"
#include "TargetCheck.h"
#include "db/OrganizationRepository.h"
#include "db/TokenRepository.h"
#include "db/UserRepository.h"
#include "server/ServiceClient.h"
#include "shared/PemsSimProcess.h"

#include <QElapsedTimer>

using namespace Qt::StringLiterals;

namespace pfa::bench {

namespace {

const QString Name = u"api-status-10k"_s;

} // namespace

ApiStatusScenario::ApiStatusScenario(int items, int clients, int requests, bool quick)
    : m_items(items)
    , m_clients(clients)
    , m_requests(requests)
    , m_quick(quick)
{}

ReportLine ApiStatusScenario::run()
{
    return lineOrError(measure(), Name.toStdString(), m_quick);
}

Expected<ReportLine> ApiStatusScenario::measure()
{
    QElapsedTimer setup;
    setup.start();
    progress(Name, u"seeding %1 records and queueing a change of each"_s.arg(m_items));
    auto world = BenchWorld::create({.records = m_items, .simArguments = {}});
    if (!world)
        return std::unexpected(world.error());
    auto committed = (*world)->commitAll(m_items, 1);
    if (!committed)
        return std::unexpected(committed.error());
    const QSqlDatabase& db = (*world)->database().connection();
    auto organization = db::OrganizationRepository(db).findByCode(
        QString::fromLatin1(BenchWorld::OrganizationCode));
    auto planner = db::UserRepository(db).findByEmail(u"bench.planner@pfa.example"_s);
    if (!organization || !planner)
        return std::unexpected(!organization ? organization.error() : planner.error());
    auto token = db::TokenRepository(db).issue(planner->id, u"api-status bench"_s, std::nullopt,
                                               u"pfa-sync-bench"_s);
    if (!token)
        return std::unexpected(token.error());

    ApiServiceProcess service;
    const ServiceSettings settings{.databaseUrl = (*world)->database().url(),
                                   .pemsUrl = (*world)->sim().baseUrl(),
                                   .apiKey =
                                       QString::fromLatin1(app::PemsSimProcess::defaultApiKey()),
                                   .writeSync = false, // the queue must stay as it is
                                   .pemsRateLimit = 10,
                                   .writeRequestsPerSecond = 10};
    if (auto started = service.start(settings, ApiServiceProcess::StartTimeoutMs); !started)
        return std::unexpected(started.error());
    progress(Name,
             u"set up in %1 s; %2 clients send %3 requests"_s.arg(double(setup.elapsed()) / 1000.0)
                 .arg(m_clients)
                 .arg(m_requests));

    const qint64 organizationId = organization->id;
    const qint64 expectedQueued = *committed;
    int wrong = 0;
    const ApiLoad::Call call = [&](server::ServiceClient& client, int, QObject* context,
                                   auto done) {
        client.syncStatus(
            {.organizationId = organizationId, .status = {}, .startDate = {}, .endDate = {}},
            context,
            [&wrong, expectedQueued, done](server::ServiceResult<server::SyncStatusReport> answer) {
                if (!answer) {
                    done(answer.error());
                    return;
                }
                // An answer that is fast but wrong does not count as an answer.
                if (answer->totalQueued != expectedQueued)
                    ++wrong;
                done(std::nullopt);
            });
    };
    ApiLoad load(service.baseUrl(), {token->secret.toLatin1()}, m_clients);
    auto figures = load.run(m_requests, call, service, std::chrono::minutes(5));
    if (!figures)
        return std::unexpected(figures.error());
    auto peak = service.peakRssMb();
    if (!peak)
        return std::unexpected(peak.error());
    if (auto stopped = service.stop(ApiServiceProcess::StopTimeoutMs); !stopped)
        return std::unexpected(stopped.error());
    if (figures->errors > 0)
        return fail(
            ErrorCode::Io,
            u"%1 requests failed, the first: %2"_s.arg(figures->errors).arg(figures->firstError));
    if (wrong > 0)
        return fail(
            ErrorCode::Internal,
            u"%1 answers did not report the %2 queued items"_s.arg(wrong).arg(expectedQueued));

    const Percentiles latency = Percentiles::of(figures->latenciesMs);
    const double maxMs = *std::ranges::max_element(figures->latenciesMs);
    ReportLine line = {{"scenario", Name.toStdString()},
                       {"quick", m_quick},
                       {"items", expectedQueued},
                       {"clients", m_clients},
                       {"requests", m_requests},
                       {"wall_s", rounded(figures->wallSeconds)},
                       {"requests_per_s", rounded(double(m_requests) / figures->wallSeconds, 1)},
                       {"p50_ms", rounded(latency.p50, 2)},
                       {"p95_ms", rounded(latency.p95, 2)},
                       {"p99_ms", rounded(latency.p99, 2)},
                       {"max_ms", rounded(maxMs, 2)},
                       {"rss_idle_mb", rounded(figures->rssIdleMb, 1)},
                       {"rss_load_mb", rounded(figures->rssLoadMb, 1)},
                       {"peak_rss_mb", rounded(*peak, 1)}};
    TargetCheck targets;
    targets.atMost("p99_ms", latency.p99, 50, /*strict=*/true);
    targets.writeTo(line);
    return line;
}

} // namespace pfa::bench
