#include "db/EventPublisher.h"

#include "db/Sql.h"

using namespace Qt::StringLiterals;

namespace pfa::db {

Expected<void> EventPublisher::publish(const QSqlDatabase& db, const model::SyncEvent& event)
{
    auto sent = runQuery(
        db, u"publish a sync event", u"SELECT pg_notify(:channel, :payload)"_s,
        {{"channel"_L1, QString(Channel)}, {"payload"_L1, jsonText(model::toJson(event))}});
    if (!sent)
        return std::unexpected(sent.error());
    return {};
}

} // namespace pfa::db
