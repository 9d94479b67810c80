#include "db/WritePauseRepository.h"

#include "db/AuditRepository.h"
#include "db/Sql.h"
#include "db/Transaction.h"

using namespace Qt::StringLiterals;

namespace pfa::db {

namespace {

Expected<void> switchAudited(const QSqlDatabase& db, const QString& sql,
                             std::initializer_list<SqlParam> params, model::AuditEntry entry)
{
    auto transaction = Transaction::begin(db);
    if (!transaction)
        return std::unexpected(transaction.error());
    auto updated = runQuery(db, u"switch the write path", sql, params);
    if (!updated)
        return std::unexpected(updated.error());
    if (updated->numRowsAffected() == 0)
        return fail(ErrorCode::NotFound, u"organization %1 does not exist"_s.arg(entry.entityId));
    auto audited = AuditRepository(db).append(entry);
    if (!audited)
        return std::unexpected(audited.error());
    return transaction->commit();
}

} // namespace

WritePauseRepository::WritePauseRepository(QSqlDatabase db)
    : m_db(std::move(db))
{}

Expected<void> WritePauseRepository::pauseOrganization(qint64 organizationId, const QString& reason,
                                                       const QString& actor) const
{
    if (reason.trimmed().isEmpty())
        return fail(ErrorCode::Validation, u"pausing needs a reason"_s, u"reason"_s);
    return switchAudited(m_db,
                         u"UPDATE organization SET write_paused_at = COALESCE(write_paused_at,"
                         " now()), write_pause_reason = :reason WHERE id = :id"_s,
                         {{"reason"_L1, reason}, {"id"_L1, organizationId}},
                         {.actor = actor,
                          .action = u"write_sync.paused"_s,
                          .organizationId = organizationId,
                          .entity = u"organization"_s,
                          .entityId = QString::number(organizationId),
                          .after = {{"reason", reason.toStdString()}}});
}

Expected<void> WritePauseRepository::resumeOrganization(qint64 organizationId,
                                                        const QString& actor) const
{
    return switchAudited(m_db,
                         u"UPDATE organization SET write_paused_at = NULL,"
                         " write_pause_reason = NULL WHERE id = :id"_s,
                         {{"id"_L1, organizationId}},
                         {.actor = actor,
                          .action = u"write_sync.resumed"_s,
                          .organizationId = organizationId,
                          .entity = u"organization"_s,
                          .entityId = QString::number(organizationId)});
}

Expected<void> WritePauseRepository::pauseAll(const QString& reason, const QString& actor) const
{
    if (reason.trimmed().isEmpty())
        return fail(ErrorCode::Validation, u"pausing needs a reason"_s, u"reason"_s);
    return switchAudited(m_db,
                         u"UPDATE write_sync_control SET paused_at = COALESCE(paused_at, now()),"
                         " pause_reason = :reason"_s,
                         {{"reason"_L1, reason}},
                         {.actor = actor,
                          .action = u"write_sync.paused"_s,
                          .entity = u"write_sync"_s,
                          .entityId = u"all"_s,
                          .after = {{"reason", reason.toStdString()}}});
}

Expected<void> WritePauseRepository::resumeAll(const QString& actor) const
{
    return switchAudited(
        m_db, u"UPDATE write_sync_control SET paused_at = NULL, pause_reason = NULL"_s, {},
        {.actor = actor,
         .action = u"write_sync.resumed"_s,
         .entity = u"write_sync"_s,
         .entityId = u"all"_s});
}

Expected<PauseState> WritePauseRepository::state() const
{
    auto query = runQuery(m_db, u"read the pause switches",
                          u"SELECT NULL::bigint, pause_reason FROM write_sync_control"
                          " WHERE paused_at IS NOT NULL"
                          " UNION ALL SELECT id, COALESCE(write_pause_reason, '') FROM organization"
                          " WHERE write_paused_at IS NOT NULL"_s);
    if (!query)
        return std::unexpected(query.error());
    PauseState state;
    while (query->next()) {
        if (query->value(0).isNull())
            state.allReason = query->value(1).toString();
        else
            state.organizationReasons[query->value(0).toLongLong()] = query->value(1).toString();
    }
    return state;
}

} // namespace pfa::db
