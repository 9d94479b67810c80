#include "ApiWriteScenario.h"

#include "ApiLoad.h"
#include "ApiServiceProcess.h"
#include "BenchLog.h"
#include "BenchWorld.h"
#include "Percentiles.h"
#include "RunFigures.h"
#include "TargetCheck.h"
#include "db/ModificationRepository.h"
#include "db/OrganizationRepository.h"
#include "db/Sql.h"
#include "db/TokenRepository.h"
#include "db/Transaction.h"
#include "db/UserRepository.h"
#include "model/IsoDateTime.h"
#include "server/ServiceClient.h"
#include "shared/PemsSimProcess.h"

#include <QElapsedTimer>

using namespace Qt::StringLiterals;
using pfa::model::PfaField;

namespace pfa::bench {

namespace {

const QString Name = u"api-write-sync"_s;
const QString Actor = u"pfa-sync-bench"_s;
constexpr int WriteRequestsPerSecond = 100;

// A draft (forecastEnd a week later) of every mirrored record, in one transaction, as a planner's
// bulk edit leaves them. Their ids in record order.
Expected<std::vector<qint64>> saveDrafts(const QSqlDatabase& db, qint64 organizationId,
                                         const model::User& planner)
{
    auto transaction = db::Transaction::begin(db);
    if (!transaction)
        return std::unexpected(transaction.error());
    auto records = db::runQuery(db, u"read the mirrored records",
                                u"SELECT pfa_id, data->>'forecastEnd' FROM pfa_mirror"
                                " WHERE organization_id = :org ORDER BY pfa_id"_s,
                                {{"org"_L1, organizationId}});
    if (!records)
        return std::unexpected(records.error());
    std::vector<std::pair<QString, QDateTime>> ends;
    while (records->next()) {
        auto end = model::parseIsoDateTime(records->value(1).toString());
        if (!end)
            return std::unexpected(end.error());
        ends.emplace_back(records->value(0).toString(), *end);
    }
    const db::ModificationRepository modifications(db);
    std::vector<qint64> ids;
    ids.reserve(ends.size());
    for (const auto& [pfaId, end] : ends) {
        auto draft = modifications.saveDraft({.organizationId = organizationId,
                                              .pfaId = pfaId,
                                              .userId = planner.id,
                                              .delta = {{PfaField::ForecastEnd, end.addDays(7)}},
                                              .changeReason = u"Weather delay on site"_s},
                                             planner.email);
        if (!draft)
            return std::unexpected(draft.error());
        ids.push_back(draft->id);
    }
    if (auto committed = transaction->commit(); !committed)
        return std::unexpected(committed.error());
    return ids;
}

} // namespace

ApiWriteScenario::ApiWriteScenario(int requests, int perRequest, int clients, bool quick)
    : m_requests(requests)
    , m_perRequest(perRequest)
    , m_clients(clients)
    , m_quick(quick)
{}

ReportLine ApiWriteScenario::run()
{
    return lineOrError(measure(), Name.toStdString(), m_quick);
}

Expected<ReportLine> ApiWriteScenario::measure()
{
    const int items = m_requests * m_perRequest;
    QElapsedTimer setup;
    setup.start();
    progress(Name, u"seeding %1 records and a draft of each"_s.arg(items));
    auto world = BenchWorld::create({.records = items, .simArguments = {}});
    if (!world)
        return std::unexpected(world.error());
    const QSqlDatabase& db = (*world)->database().connection();
    auto organization = db::OrganizationRepository(db).findByCode(
        QString::fromLatin1(BenchWorld::OrganizationCode));
    auto planner = db::UserRepository(db).findByEmail(u"bench.planner@pfa.example"_s);
    if (!organization || !planner)
        return std::unexpected(!organization ? organization.error() : planner.error());
    auto drafts = saveDrafts(db, organization->id, *planner);
    if (!drafts)
        return std::unexpected(drafts.error());
    if (int(drafts->size()) != items)
        return fail(ErrorCode::Internal,
                    u"%1 drafts saved for %2 records"_s.arg(drafts->size()).arg(items));
    std::vector<QByteArray> tokens;
    for (int i = 0; i < m_clients; ++i) {
        auto token = db::TokenRepository(db).issue(planner->id, u"api-write bench %1"_s.arg(i),
                                                   std::nullopt, Actor);
        if (!token)
            return std::unexpected(token.error());
        tokens.push_back(token->secret.toLatin1());
    }

    ApiServiceProcess service;
    const ServiceSettings settings{.databaseUrl = (*world)->database().url(),
                                   .pemsUrl = (*world)->sim().baseUrl(),
                                   .apiKey =
                                       QString::fromLatin1(app::PemsSimProcess::defaultApiKey()),
                                   .writeSync = true,
                                   .pemsRateLimit = 10,
                                   .writeRequestsPerSecond = WriteRequestsPerSecond};
    if (auto started = service.start(settings, ApiServiceProcess::StartTimeoutMs); !started)
        return std::unexpected(started.error());
    progress(Name, u"set up in %1 s; %2 clients send %3 requests of %4 drafts"_s
                       .arg(double(setup.elapsed()) / 1000.0)
                       .arg(m_clients)
                       .arg(m_requests)
                       .arg(m_perRequest));

    const qint64 organizationId = organization->id;
    const int perRequest = m_perRequest;
    int short_ = 0; // answers that committed fewer drafts than they were sent
    const ApiLoad::Call call = [&](server::ServiceClient& client, int index, QObject* context,
                                   auto done) {
        const auto first = drafts->begin() + std::ptrdiff_t(index) * perRequest;
        server::WriteSyncRequest request{.organizationId = organizationId,
                                         .modificationIds = {first, first + perRequest},
                                         .priority = std::nullopt};
        client.writeSync(
            request, context,
            [&short_, perRequest, done](server::ServiceResult<server::WriteSyncAccepted> answer) {
                if (!answer) {
                    done(answer.error());
                    return;
                }
                if (answer->committedCount != perRequest)
                    ++short_;
                done(std::nullopt);
            });
    };
    ApiLoad load(service.baseUrl(), tokens, m_clients);
    auto figures = load.run(m_requests, call, service, std::chrono::minutes(10));
    if (!figures)
        return std::unexpected(figures.error());
    auto peak = service.peakRssMb();
    if (!peak)
        return std::unexpected(peak.error());
    if (auto stopped = service.stop(ApiServiceProcess::StopTimeoutMs); !stopped)
        return std::unexpected(stopped.error());
    if (figures->errors > 0)
        return fail(ErrorCode::Io,
                    u"%1 requests failed (%2 with 429), the first: %3"_s.arg(figures->errors)
                        .arg(figures->http429)
                        .arg(figures->firstError));
    auto counted = db::runQuery(db, u"count the committed drafts",
                                u"SELECT count(*) FROM pfa_modification"
                                " WHERE organization_id = :org AND sync_status <> 'draft'"_s,
                                {{"org"_L1, organizationId}});
    if (!counted)
        return std::unexpected(counted.error());
    counted->next();
    const qint64 committed = counted->value(0).toLongLong();

    const Percentiles latency = Percentiles::of(figures->latenciesMs);
    const double maxMs = *std::ranges::max_element(figures->latenciesMs);
    ReportLine line = {{"scenario", Name.toStdString()},
                       {"quick", m_quick},
                       {"items", items},
                       {"clients", m_clients},
                       {"requests", m_requests},
                       {"per_request", m_perRequest},
                       {"committed", committed},
                       {"lost", items - committed},
                       {"short_answers", short_},
                       {"http_429", figures->http429},
                       {"wall_s", rounded(figures->wallSeconds)},
                       {"requests_per_s", rounded(double(m_requests) / figures->wallSeconds, 1)},
                       {"items_per_s", rounded(double(committed) / figures->wallSeconds, 1)},
                       {"p50_ms", rounded(latency.p50, 2)},
                       {"p95_ms", rounded(latency.p95, 2)},
                       {"p99_ms", rounded(latency.p99, 2)},
                       {"max_ms", rounded(maxMs, 2)},
                       {"rss_idle_mb", rounded(figures->rssIdleMb, 1)},
                       {"rss_load_mb", rounded(figures->rssLoadMb, 1)},
                       {"peak_rss_mb", rounded(*peak, 1)}};
    TargetCheck targets;
    targets.atMost("p99_ms", latency.p99, 100, /*strict=*/true);
    targets.writeTo(line);
    return line;
}

} // namespace pfa::bench
