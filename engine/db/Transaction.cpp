#include "db/Transaction.h"

#include "db/DbLog.h"
#include "db/SqlError.h"

#include <QHash>
#include <QSqlQuery>

using namespace Qt::StringLiterals;

namespace pfa::db {

namespace {

// Nesting depth per connection. Connections belong to one thread, so a thread-local map needs no
// lock and can never see another thread's transactions.
thread_local QHash<QString, int> t_depth;

QString savepointName(int depth)
{
    return u"pfa_sp_"_s + QString::number(depth);
}

Expected<void> execute(const QSqlDatabase& db, const QString& sql)
{
    QSqlQuery query(db);
    if (!query.exec(sql))
        return std::unexpected(toError(query.lastError(), sql));
    return {};
}

} // namespace

Transaction::Transaction(QSqlDatabase db, int depth)
    : m_db(std::move(db))
    , m_depth(depth)
    , m_active(true)
{}

Transaction::Transaction(Transaction&& other) noexcept
    : m_db(std::move(other.m_db))
    , m_depth(other.m_depth)
    , m_active(std::exchange(other.m_active, false))
{}

Transaction::~Transaction()
{
    rollback();
}

Expected<Transaction> Transaction::begin(const QSqlDatabase& db)
{
    int& depth = t_depth[db.connectionName()];
    auto started =
        depth == 0 ? execute(db, u"BEGIN"_s) : execute(db, u"SAVEPOINT "_s + savepointName(depth));
    if (!started)
        return std::unexpected(started.error());
    return Transaction(db, depth++);
}

Expected<void> Transaction::commit()
{
    if (!m_active)
        return fail(ErrorCode::Internal, u"commit of a transaction that is no longer active"_s);
    auto done = m_depth == 0 ? execute(m_db, u"COMMIT"_s)
                             : execute(m_db, u"RELEASE SAVEPOINT "_s + savepointName(m_depth));
    if (!done) {
        rollback();
        return done;
    }
    m_active = false;
    --t_depth[m_db.connectionName()];
    return {};
}

void Transaction::rollback()
{
    if (!m_active)
        return;
    m_active = false;
    --t_depth[m_db.connectionName()];
    auto undone = m_depth == 0
                      ? execute(m_db, u"ROLLBACK"_s)
                      : execute(m_db, u"ROLLBACK TO SAVEPOINT "_s + savepointName(m_depth));
    if (!undone)
        qCWarning(lcDb) << "rollback failed:" << undone.error().message;
}

} // namespace pfa::db
