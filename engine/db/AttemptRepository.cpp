#include "db/AttemptRepository.h"

#include "db/Sql.h"

using namespace Qt::StringLiterals;

namespace pfa::db {

AttemptRepository::AttemptRepository(QSqlDatabase db)
    : m_db(std::move(db))
{}

Expected<void> AttemptRepository::record(const model::SyncAttempt& attempt) const
{
    auto query =
        runQuery(m_db, u"record the sync attempt",
                 u"INSERT INTO pfa_sync_attempt (queue_id, attempt, started_at, finished_at,"
                 " http_status, outcome, error, duration_ms) VALUES (:queue, :attempt,"
                 " :started, :finished, :http, :outcome, NULLIF(:error, ''), :duration)"_s,
                 {{"queue"_L1, attempt.queueId},
                  {"attempt"_L1, attempt.attempt},
                  {"started"_L1, attempt.startedAt.toUTC()},
                  {"finished"_L1, nullableDateTime(attempt.finishedAt)},
                  {"http"_L1, attempt.httpStatus ? QVariant(*attempt.httpStatus)
                                                 : QVariant(QMetaType(QMetaType::Int))},
                  {"outcome"_L1, attempt.outcome},
                  {"error"_L1, attempt.error},
                  {"duration"_L1, nullableInt(attempt.durationMs)}});
    if (!query)
        return std::unexpected(query.error());
    return {};
}

Expected<std::vector<model::SyncAttempt>> AttemptRepository::forQueueItem(qint64 queueId) const
{
    auto query =
        runQuery(m_db, u"read sync attempts",
                 u"SELECT queue_id, attempt, started_at, finished_at, http_status, outcome,"
                 " COALESCE(error, ''), duration_ms FROM pfa_sync_attempt"
                 " WHERE queue_id = :queue ORDER BY attempt"_s,
                 {{"queue"_L1, queueId}});
    if (!query)
        return std::unexpected(query.error());
    std::vector<model::SyncAttempt> attempts;
    while (query->next()) {
        attempts.push_back({.queueId = query->value(0).toLongLong(),
                            .attempt = query->value(1).toInt(),
                            .startedAt = utc(query->value(2)),
                            .finishedAt = optionalDateTime(query->value(3)),
                            .httpStatus = query->value(4).isNull()
                                              ? std::nullopt
                                              : std::optional<int>(query->value(4).toInt()),
                            .outcome = query->value(5).toString(),
                            .error = query->value(6).toString(),
                            .durationMs = optionalInt(query->value(7))});
    }
    return attempts;
}

} // namespace pfa::db
