#pragma once

#include "db/WriteBatchRepository.h"
#include "model/FieldValue.h"

#include <QDateTime>
#include <chrono>
#include <vector>

namespace pfa::sync {

// One request to PEMS: the head item of a record and the items coalesced behind it, in commit
// order. The head's Idempotency-Key identifies the request; `version` is what it is based on.
struct SendGroup
{
    quint64 id = 0; // the worker's handle while it is planned or in flight
    std::vector<db::ClaimedItem> items;
    model::FieldMap merged; // the items' deltas applied in order (UPDATE only)
    qint64 version = 0;
    QDateTime startedAt; // when the request went out
    // The rate limiter's slot as this process sees it: `slot` is when to send (never before the
    // server's slot), `deadline` the latest send that still counts as on time (measured from
    // before the reservation, so a stall while it returned cannot hide lateness).
    std::chrono::steady_clock::time_point slot;
    std::chrono::steady_clock::time_point deadline;
    int reservations = 0;

    [[nodiscard]] const db::ClaimedItem& head() const { return items.front(); }
};

} // namespace pfa::sync
