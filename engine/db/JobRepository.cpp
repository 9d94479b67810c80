#include "db/JobRepository.h"

#include "db/AuditRepository.h"
#include "db/Sql.h"
#include "db/Transaction.h"

using namespace Qt::StringLiterals;

namespace pfa::db {

namespace {
const QString Columns = u"id, organization_id, trigger, requested_by, created_at, finished_at"_s;

Expected<model::SyncJob> jobFromRow(const QSqlQuery& row)
{
    const auto trigger = model::fromWire<model::JobTrigger>(row.value(2).toString());
    if (!trigger)
        return fail(ErrorCode::Database,
                    u"sync_job row %1 has an unknown trigger"_s.arg(row.value(0).toLongLong()));
    return model::SyncJob{.id = row.value(0).toLongLong(),
                          .organizationId = row.value(1).toLongLong(),
                          .trigger = *trigger,
                          .requestedBy = optionalInt(row.value(3)),
                          .createdAt = utc(row.value(4)),
                          .finishedAt = optionalDateTime(row.value(5))};
}
} // namespace

JobRepository::JobRepository(QSqlDatabase db)
    : m_db(std::move(db))
{}

Expected<model::SyncJob> JobRepository::create(qint64 organizationId, model::JobTrigger trigger,
                                               std::optional<qint64> requestedBy,
                                               const QString& actor) const
{
    auto transaction = Transaction::begin(m_db);
    if (!transaction)
        return std::unexpected(transaction.error());
    auto query = runQuery(m_db, u"create the sync job",
                          u"INSERT INTO sync_job (organization_id, trigger, requested_by)"
                          " VALUES (:org, :trigger, :by) RETURNING "_s +
                              Columns,
                          {{"org"_L1, organizationId},
                           {"trigger"_L1, model::toWire(trigger)},
                           {"by"_L1, nullableInt(requestedBy)}});
    if (!query)
        return std::unexpected(query.error());
    query->next();
    auto job = jobFromRow(*query);
    if (!job)
        return job;
    auto audited = AuditRepository(m_db).append({.actor = actor,
                                                 .action = u"sync_job.created"_s,
                                                 .organizationId = organizationId,
                                                 .entity = u"sync_job"_s,
                                                 .entityId = QString::number(job->id),
                                                 .after = model::toJson(*job)});
    if (!audited)
        return std::unexpected(audited.error());
    if (auto committed = transaction->commit(); !committed)
        return std::unexpected(committed.error());
    return job;
}

Expected<model::SyncJob> JobRepository::find(qint64 id) const
{
    auto query =
        runQuery(m_db, u"read the sync job",
                 u"SELECT "_s + Columns + u" FROM sync_job WHERE id = :id"_s, {{"id"_L1, id}});
    if (!query)
        return std::unexpected(query.error());
    if (!query->next())
        return fail(ErrorCode::NotFound, u"sync job %1 does not exist"_s.arg(id));
    return jobFromRow(*query);
}

Expected<void> JobRepository::markFinished(qint64 id) const
{
    auto query = runQuery(
        m_db, u"finish the sync job",
        u"UPDATE sync_job SET finished_at = now() WHERE id = :id AND finished_at IS NULL"_s,
        {{"id"_L1, id}});
    if (!query)
        return std::unexpected(query.error());
    return {};
}

} // namespace pfa::db
