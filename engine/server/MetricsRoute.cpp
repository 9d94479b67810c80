#include "server/MetricsRoute.h"

#include "db/Database.h"
#include "db/SyncStatusRepository.h"
#include "model/FailureClass.h"
#include "sync/SyncMetrics.h"

#include <prometheus/histogram.h>
#include <prometheus/metric_family.h>
#include <prometheus/registry.h>
#include <prometheus/text_serializer.h>

#include <QDateTime>

using namespace Qt::StringLiterals;

namespace pfa::server {

namespace {

constexpr std::array FailureClasses{
    model::FailureClass::Conflict,   model::FailureClass::NeedsConfirmation,
    model::FailureClass::Validation, model::FailureClass::Transient,
    model::FailureClass::Auth,       model::FailureClass::RateLimit};

prometheus::MetricFamily family(std::string name, std::string help, prometheus::MetricType type)
{
    return {.name = std::move(name), .help = std::move(help), .type = type, .metric = {}};
}

prometheus::ClientMetric gauge(double value,
                               std::vector<prometheus::ClientMetric::Label> labels = {})
{
    prometheus::ClientMetric metric;
    metric.label = std::move(labels);
    metric.gauge.value = value;
    return metric;
}

prometheus::ClientMetric counter(double value,
                                 std::vector<prometheus::ClientMetric::Label> labels = {})
{
    prometheus::ClientMetric metric;
    metric.label = std::move(labels);
    metric.counter.value = value;
    return metric;
}

prometheus::ClientMetric histogram(const sync::LatencyHistogram::Snapshot& snapshot)
{
    prometheus::ClientMetric metric;
    metric.histogram.sample_count = snapshot.count;
    metric.histogram.sample_sum = snapshot.sumSeconds;
    std::uint64_t cumulative = 0;
    for (std::size_t i = 0; i < sync::LatencyHistogram::Bounds.size(); ++i) {
        cumulative += snapshot.counts[i];
        metric.histogram.bucket.push_back(
            {.cumulative_count = cumulative, .upper_bound = sync::LatencyHistogram::Bounds[i]});
    }
    metric.histogram.bucket.push_back({.cumulative_count = snapshot.count,
                                       .upper_bound = std::numeric_limits<double>::infinity()});
    return metric;
}

} // namespace

MetricsRoute::MetricsRoute(db::Database& database, std::shared_ptr<const sync::SyncMetrics> metrics,
                           int rateLimit)
    : m_database(database)
    , m_metrics(std::move(metrics))
    , m_rateLimit(rateLimit)
    , m_registry(std::make_shared<prometheus::Registry>())
    , m_requestDurations(&prometheus::BuildHistogram()
                              .Name("pfa_service_request_duration_seconds")
                              .Help("Time to answer a service API request, by route and status")
                              .Register(*m_registry))
{}

MetricsRoute::~MetricsRoute() = default;

void MetricsRoute::install(ApiServer& server)
{
    server.route("GET", u"/metrics"_s, ApiServer::Access::Token,
                 [this](const ApiCall&) { return scrape(); });
}

void MetricsRoute::observeRequest(const QString& route, int status, double seconds)
{
    static const prometheus::Histogram::BucketBoundaries Bounds{0.001, 0.005, 0.01, 0.025, 0.05,
                                                                0.1,   0.25,  0.5,  1.0,   5.0};
    m_requestDurations
        ->Add({{"route", route.toStdString()}, {"status", std::to_string(status)}}, Bounds)
        .Observe(seconds);
}

HttpReply MetricsRoute::scrape() const
{
    auto connection = m_database.connection();
    if (!connection)
        return HttpReply::fromError(connection.error());
    db::SyncStatusRepository status(*connection);
    auto all = status.summary();
    if (!all)
        return HttpReply::fromError(all.error());
    const QDateTime now = QDateTime::currentDateTimeUtc();
    auto lastHour =
        status.summary({.organizationId = {}, .since = now.addSecs(-3600), .until = {}});
    if (!lastHour)
        return HttpReply::fromError(lastHour.error());

    std::vector<prometheus::MetricFamily> families = m_registry->Collect();
    using prometheus::MetricType;

    auto queue = family("pems_sync_queue_size", "Queue items by status", MetricType::Gauge);
    for (const auto& [name, value] :
         {std::pair{"pending", all->pending}, std::pair{"processing", all->processing},
          std::pair{"failed", all->failed}, std::pair{"conflict", all->conflicts}})
        queue.metric.push_back(gauge(double(value), {{"status", name}}));
    families.push_back(std::move(queue));

    auto dlq = family("pems_sync_dlq_size", "Dead letters waiting for retry or discard",
                      MetricType::Gauge);
    dlq.metric.push_back(gauge(double(all->failed)));
    families.push_back(std::move(dlq));

    auto oldest =
        family("pems_sync_oldest_pending_seconds",
               "Age of the oldest queue item not yet settled (0 when none)", MetricType::Gauge);
    oldest.metric.push_back(
        gauge(all->oldestOpenAt ? double(all->oldestOpenAt->msecsTo(now)) / 1000.0 : 0.0));
    families.push_back(std::move(oldest));

    const qint64 settled = lastHour->completed + lastHour->failed;
    auto success = family("pems_sync_success_rate",
                          "Share of items settled in the last hour that synced (1 when none)",
                          MetricType::Gauge);
    success.metric.push_back(
        gauge(settled > 0 ? double(lastHour->completed) / double(settled) : 1.0));
    families.push_back(std::move(success));

    auto budget = family("pems_api_rate_limit",
                         "PEMS_API_RATE_LIMIT: requests per second toward"
                         " PEMS (0: unlimited)",
                         MetricType::Gauge);
    budget.metric.push_back(gauge(m_rateLimit));
    families.push_back(std::move(budget));

    // The worker's own figures: zero when no worker runs in this process.
    const sync::SyncMetrics empty;
    const sync::SyncMetrics& metrics = m_metrics ? *m_metrics : empty;
    auto conflicts = family("pems_sync_conflicts_total", "Conflicts raised", MetricType::Counter);
    conflicts.metric.push_back(counter(double(metrics.conflicts.load())));
    families.push_back(std::move(conflicts));

    auto errors =
        family("pems_sync_errors_total", "Failed attempts by failure class", MetricType::Counter);
    for (const model::FailureClass failureClass : FailureClasses)
        errors.metric.push_back(
            counter(double(metrics.errorsByClass[std::size_t(failureClass)].load()),
                    {{"class", std::string(model::wireView(failureClass))}}));
    families.push_back(std::move(errors));

    auto limited =
        family("pems_api_rate_limit_hits", "429 answers from PEMS honoured", MetricType::Counter);
    limited.metric.push_back(counter(double(metrics.rateLimitWaits.load())));
    families.push_back(std::move(limited));

    auto requests = family("pems_api_requests_total", "Requests sent to PEMS", MetricType::Counter);
    requests.metric.push_back(counter(double(metrics.requestsSent.load())));
    families.push_back(std::move(requests));

    auto synced =
        family("pems_sync_items_synced_total", "Modifications synced", MetricType::Counter);
    synced.metric.push_back(counter(double(metrics.itemsSynced.load())));
    families.push_back(std::move(synced));

    auto inFlight = family("pems_api_requests_in_flight", "Requests to PEMS awaiting an answer",
                           MetricType::Gauge);
    inFlight.metric.push_back(gauge(metrics.inFlight.load()));
    families.push_back(std::move(inFlight));

    auto heartbeat =
        family("pems_sync_worker_heartbeat_age_seconds",
               "Seconds since the worker loop last ran (-1: no worker here)", MetricType::Gauge);
    const qint64 beat = metrics.heartbeatMs.load();
    heartbeat.metric.push_back(
        gauge(m_metrics && beat > 0 ? double(now.toMSecsSinceEpoch() - beat) / 1000.0 : -1.0));
    families.push_back(std::move(heartbeat));

    auto latency = family("pems_sync_latency_seconds", "Commit to synced", MetricType::Histogram);
    latency.metric.push_back(histogram(metrics.commitToSynced.snapshot()));
    families.push_back(std::move(latency));

    auto pemsDuration = family("pems_api_request_duration_seconds", "Duration of requests to PEMS",
                               MetricType::Histogram);
    pemsDuration.metric.push_back(histogram(metrics.requestDuration.snapshot()));
    families.push_back(std::move(pemsDuration));

    HttpReply reply;
    reply.status = 200;
    reply.body = QByteArray::fromStdString(prometheus::TextSerializer().Serialize(families));
    reply.contentType = QByteArrayLiteral("text/plain; version=0.0.4; charset=utf-8");
    return reply;
}

} // namespace pfa::server
