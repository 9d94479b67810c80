#pragma once

#include "db/QueueRepository.h"
#include "model/Error.h"
#include "model/FailureClass.h"
#include "model/QueueItem.h"

#include <QSqlDatabase>
#include <optional>
#include <vector>

namespace pfa::sync {

struct DeadLetterFilter
{
    std::optional<qint64> organizationId;
    std::optional<model::FailureClass> failureClass;
};

// What happens to a dead letter (a modification that failed for good, other than a conflict):
// - retry ("redrive"): back to the queue under a new Idempotency-Key with its retries reset —
//   never a blind resend: the worker first re-reads the record from PEMS into the mirror, and
//   the change is then rebased on PEMS' version or becomes a conflict if PEMS changed the same
//   fields meanwhile;
// - discard: with a required reason, the modification becomes `discarded` and its record's
//   later changes may go.
// One, several or every dead letter matching a filter, each call in one transaction (all or
// nothing), audited and evented per modification. Needs perm_sync on each item's organization.
class DeadLetterService final
{
public:
    explicit DeadLetterService(QSqlDatabase db);

    [[nodiscard]] Expected<std::vector<model::QueueItem>>
    list(const DeadLetterFilter& filter) const;
    // The dead letters of these organizations a page at a time, oldest first as list() orders
    // them, each with its attempt count, and the total (for the service API and the console).
    [[nodiscard]] Expected<db::QueuePage> page(const std::vector<qint64>& organizationIds,
                                               int limit, int offset) const;
    [[nodiscard]] Expected<std::vector<model::QueueItem>> retry(const std::vector<qint64>& queueIds,
                                                                qint64 userId) const;
    [[nodiscard]] Expected<std::vector<model::QueueItem>>
    retryMatching(const DeadLetterFilter& filter, qint64 userId) const;
    [[nodiscard]] Expected<std::vector<model::QueueItem>>
    discard(const std::vector<qint64>& queueIds, const QString& reason, qint64 userId) const;

private:
    QSqlDatabase m_db;
};

} // namespace pfa::sync
