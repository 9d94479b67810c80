#pragma once

#include "config/CronExpression.h"
#include "pems/PemsConfig.h"

#include <QString>
#include <chrono>
#include <map>

namespace pfa::sync {

// How one write worker runs; the composition root fills it from config::Settings.
struct WorkerConfig
{
    QString workerId;      // unique among the workers sharing the database (lease owner)
    pems::PemsConfig pems; // organizations without their own (PEMS_WRITE_API_URL / _KEY)
    // Organizations with their own PEMS URL and API key (organization_api_credentials, opened
    // with the data key), by organization id; their items go there and nowhere else.
    std::map<qint64, pems::PemsConfig> organizationPems;
    // The safety-net wake-up (WRITE_SYNC_SCHEDULE); the default is WRITE_SYNC_SCHEDULE's.
    config::CronExpression schedule = config::CronExpression::parse(u"*/1 * * * *").value();
    int batchSize = 100;  // records claimed at most at once (WRITE_SYNC_BATCH_SIZE)
    int maxInFlight = 32; // requests to PEMS at once
    int rateLimit = 10;   // requests per second toward PEMS, all workers together
    std::chrono::milliseconds retryDelay{5000}; // first backoff; doubles (WRITE_SYNC_RETRY_DELAY)
    double retryJitter = 0.1;
    std::chrono::seconds lease{120};      // longer than a request can take (timeout + rate wait)
    std::chrono::hours retention{24 * 7}; // completed queue rows and their attempts
    std::chrono::milliseconds stopTimeout{10000}; // graceful stop: in-flight requests may finish
};

} // namespace pfa::sync
