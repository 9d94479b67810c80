#pragma once

#include "FaultPlan.h"
#include "FieldProblem.h"
#include "IdempotencyStore.h"
#include "ListPage.h"
#include "SimRecord.h"
#include "SimResponse.h"
#include "WriteOutcome.h"

#include <QString>

#include <nlohmann/json.hpp>

#include <chrono>
#include <vector>

namespace pfa::sim {

// The bodies of the PEMS JSON API (docs/pems-sim.md), in one place so that a reply and its
// idempotent replay are built by the same code.
class PemsReplies final
{
public:
    PemsReplies() = delete;

    [[nodiscard]] static SimResponse json(int status, const nlohmann::json& body);
    // {success:false, error, message}
    [[nodiscard]] static SimResponse error(int status, const char* code, const QString& message);

    [[nodiscard]] static SimResponse validation(const std::vector<FieldProblem>& problems);
    [[nodiscard]] static SimResponse validation(const QString& field, const QString& rule,
                                                const QString& message);
    [[nodiscard]] static SimResponse notFound(const QString& organizationCode,
                                              const QString& pfaId);
    [[nodiscard]] static SimResponse conflict(const WriteOutcome& outcome);
    // 200 of a PUT or DELETE.
    [[nodiscard]] static SimResponse applied(const IdempotencyStore::AppliedReply& reply);
    // A 429 with Retry-After after `wait` (at least 1 s), in the configured form.
    [[nodiscard]] static SimResponse tooManyRequests(const char* code, const QString& message,
                                                     std::chrono::nanoseconds wait,
                                                     FaultPlan::RetryAfterFormat format,
                                                     qint64 nowMs);

    [[nodiscard]] static nlohmann::json record(const SimRecord& record);
    [[nodiscard]] static nlohmann::json page(const ListPage& page);
    [[nodiscard]] static nlohmann::json history(const SimRecord& record);
};

} // namespace pfa::sim
