#pragma once

#include "model/Error.h"
#include "model/SyncAttempt.h"
#include "model/SyncJob.h"

#include <QDateTime>
#include <QSqlDatabase>
#include <QString>

#include <optional>
#include <vector>

namespace pfa::db {

struct JobFilter
{
    std::vector<qint64> organizationIds; // required: an empty list matches nothing
    QString status;                      // "" = any; else running, failed or completed
    std::optional<model::JobTrigger> trigger;
    std::optional<QDateTime> from; // created at or after
    std::optional<QDateTime> to;   // created before
    int limit = 100;
    int offset = 0;
};

// A job with the status and counts derived from its queue items.
struct JobSummary
{
    model::SyncJob job;
    QString status; // running (an item pending or processing), failed (an item failed), completed
    qint64 itemCount = 0;
    qint64 completedCount = 0;
    qint64 failedCount = 0;
};

struct JobPage
{
    std::vector<JobSummary> jobs; // newest first (by id, descending)
    qint64 total = 0;             // every match, not only this page
};

// One queue item of a job with its attempts, as the API shows it.
struct JobItem
{
    qint64 queueId = 0;
    qint64 modificationId = 0;
    QString pfaId;
    QString operation;
    QString status;
    QString error;
    std::vector<model::SyncAttempt> attempts;
};

// Read side of sync_job for the service: filtered, paged lists and a job's items, so the
// routes never hold SQL. Kept apart from JobRepository, which the worker writes through.
class JobHistoryRepository final
{
public:
    explicit JobHistoryRepository(QSqlDatabase db);

    [[nodiscard]] Expected<JobPage> list(const JobFilter& filter) const;
    [[nodiscard]] Expected<JobSummary> summary(qint64 jobId) const;
    [[nodiscard]] Expected<std::vector<JobItem>> items(qint64 jobId) const;

private:
    QSqlDatabase m_db;
};

} // namespace pfa::db
