#pragma once

#include "config/CronExpression.h"
#include "pems/PemsConfig.h"

#include <QString>

#include <chrono>
#include <optional>

namespace pfa::sync {

struct ReadSyncConfig
{
    pems::PemsConfig pems;
    // Records per list request: PEMS (and pems-sim) allow 1…1000. Large pages: the cost of a page
    // is mostly per request and per statement, not per record.
    int pageSize = 1000;
    // A page that failed transiently (5xx, timeout, dropped connection) is asked again this many
    // times, `retryDelay` apart (doubling); then the run fails and the next resumes after the last
    // stored page. 429 waits for Retry-After and does not count.
    int pageRetries = 3;
    std::chrono::milliseconds retryDelay{2000};
    QString actor = QStringLiteral("read-sync"); // audit_log.actor and history actor
    // READ_SYNC_SCHEDULE; nullopt: on demand only.
    std::optional<config::CronExpression> schedule;
};

} // namespace pfa::sync
