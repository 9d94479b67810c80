#pragma once

#include "ApiKeyRing.h"
#include "FaultPlan.h"
#include "IdempotencyStore.h"
#include "RateLimiter.h"
#include "SimClock.h"
#include "SimStats.h"
#include "SimStore.h"

#include <QByteArray>
#include <QMutex>

namespace pfa::sim {

// Everything one pems-sim process knows, built once in main() and handed by reference to the
// parts that serve requests. Every server thread shares it: `mutex` guards all of it except
// `keys` and `adminKey`, which are fixed before the threads start.
struct SimState
{
    SimState(int rateLimit, std::size_t idempotencyCapacity)
        : limiter(rateLimit)
        , idempotency(idempotencyCapacity)
    {}
    SimState(const SimState&) = delete;
    SimState& operator=(const SimState&) = delete;

    QMutex mutex;
    SimClock clock;
    SimStore store{clock};
    ApiKeyRing keys;
    QByteArray adminKey;
    SimStats stats;
    FaultPlan faults;
    RateLimiter limiter;
    IdempotencyStore idempotency;
};

} // namespace pfa::sim
