#include "sync/DeadLetterService.h"

#include "db/ModificationRepository.h"
#include "db/QueueRepository.h"
#include "db/Transaction.h"
#include "sync/Authorization.h"

using namespace Qt::StringLiterals;

namespace pfa::sync {

namespace {

struct Held
{
    model::QueueItem item;
    model::User user;
};

// A dead letter locked for the caller's transaction, and the user allowed to act on it.
Expected<Held> holdDeadLetter(const QSqlDatabase& db, qint64 queueId, qint64 userId)
{
    auto item = db::QueueRepository(db).lockDeadLetter(queueId);
    if (!item)
        return std::unexpected(item.error());
    auto user = authorize(db, userId, item->organizationId, OrganizationRight::Sync);
    if (!user)
        return std::unexpected(user.error());
    return Held{std::move(*item), std::move(*user)};
}

} // namespace

DeadLetterService::DeadLetterService(QSqlDatabase db)
    : m_db(std::move(db))
{}

Expected<std::vector<model::QueueItem>>
DeadLetterService::list(const DeadLetterFilter& filter) const
{
    return db::QueueRepository(m_db).deadLetters(filter.organizationId, filter.failureClass);
}

Expected<db::QueuePage> DeadLetterService::page(const std::vector<qint64>& organizationIds,
                                                int limit, int offset) const
{
    return db::QueueRepository(m_db).page({.organizationIds = organizationIds,
                                           .status = std::nullopt,
                                           .pfaId = {},
                                           .deadLettersOnly = true,
                                           .newestFirst = false,
                                           .limit = limit,
                                           .offset = offset});
}

Expected<std::vector<model::QueueItem>>
DeadLetterService::retry(const std::vector<qint64>& queueIds, qint64 userId) const
{
    auto transaction = db::Transaction::begin(m_db);
    if (!transaction)
        return std::unexpected(transaction.error());
    db::QueueRepository queue(m_db);
    db::ModificationRepository modifications(m_db);
    std::vector<model::QueueItem> redriven;
    for (const qint64 id : queueIds) {
        auto held = holdDeadLetter(m_db, id, userId);
        if (!held)
            return std::unexpected(held.error());
        const auto& [item, user] = *held;
        auto requeued = queue.redrive(id);
        if (!requeued)
            return std::unexpected(requeued.error());
        auto queued = modifications.transition(
            item.modificationId, model::SyncStatus::Queued, user.email,
            {.syncError = QString(),
             .queueId = id,
             .details = {
                 {"queueId", id}, {"redrive", true}, {"lastError", item.lastError.toStdString()}}});
        if (!queued)
            return std::unexpected(queued.error());
        redriven.push_back(std::move(*requeued));
    }
    if (auto committed = transaction->commit(); !committed)
        return std::unexpected(committed.error());
    return redriven;
}

Expected<std::vector<model::QueueItem>>
DeadLetterService::retryMatching(const DeadLetterFilter& filter, qint64 userId) const
{
    auto matching = list(filter);
    if (!matching)
        return std::unexpected(matching.error());
    std::vector<qint64> ids;
    for (const auto& item : *matching)
        ids.push_back(item.id);
    return retry(ids, userId);
}

Expected<std::vector<model::QueueItem>>
DeadLetterService::discard(const std::vector<qint64>& queueIds, const QString& reason,
                           qint64 userId) const
{
    if (reason.trimmed().isEmpty())
        return fail(ErrorCode::Validation, u"discarding a dead letter needs a reason"_s,
                    u"reason"_s);
    auto transaction = db::Transaction::begin(m_db);
    if (!transaction)
        return std::unexpected(transaction.error());
    db::QueueRepository queue(m_db);
    db::ModificationRepository modifications(m_db);
    std::vector<model::QueueItem> closed;
    for (const qint64 id : queueIds) {
        auto held = holdDeadLetter(m_db, id, userId);
        if (!held)
            return std::unexpected(held.error());
        const auto& [item, user] = *held;
        auto unsent = queue.closeUnsent(item.modificationId, u"discarded: "_s + reason);
        if (!unsent)
            return std::unexpected(unsent.error());
        auto discarded = modifications.discard(item.modificationId, reason, user.email);
        if (!discarded)
            return std::unexpected(discarded.error());
        closed.push_back(std::move(*unsent));
    }
    if (auto committed = transaction->commit(); !committed)
        return std::unexpected(committed.error());
    return closed;
}

} // namespace pfa::sync
