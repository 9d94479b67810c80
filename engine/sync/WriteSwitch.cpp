#include "sync/WriteSwitch.h"

#include "db/EventPublisher.h"
#include "db/Transaction.h"
#include "db/WritePauseRepository.h"

using namespace Qt::StringLiterals;

namespace pfa::sync {

namespace {

Expected<void> announce(const QSqlDatabase& db, std::optional<qint64> organizationId,
                        const QString& status)
{
    return db::EventPublisher::publish(db, {.type = model::EventType::WorkerState,
                                            .organizationId = organizationId.value_or(0),
                                            .status = status,
                                            .at = QDateTime::currentDateTimeUtc()});
}

} // namespace

Expected<void> pauseWrites(const QSqlDatabase& db, std::optional<qint64> organizationId,
                           const QString& reason, const QString& actor)
{
    auto transaction = db::Transaction::begin(db);
    if (!transaction)
        return std::unexpected(transaction.error());
    db::WritePauseRepository pauses(db);
    auto paused = organizationId ? pauses.pauseOrganization(*organizationId, reason, actor)
                                 : pauses.pauseAll(reason, actor);
    if (!paused)
        return paused;
    if (auto announced = announce(db, organizationId, u"paused"_s); !announced)
        return announced;
    return transaction->commit();
}

Expected<void> resumeWrites(const QSqlDatabase& db, std::optional<qint64> organizationId,
                            const QString& actor)
{
    auto transaction = db::Transaction::begin(db);
    if (!transaction)
        return std::unexpected(transaction.error());
    db::WritePauseRepository pauses(db);
    auto resumed = organizationId ? pauses.resumeOrganization(*organizationId, actor)
                                  : pauses.resumeAll(actor);
    if (!resumed)
        return resumed;
    // Every worker sharing the database hears this and claims at once.
    if (auto announced = announce(db, organizationId, u"resumed"_s); !announced)
        return announced;
    return transaction->commit();
}

} // namespace pfa::sync
