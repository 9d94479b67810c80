#include "db/Transaction.h"

#include "db/DbLog.h"
#include "db/SqlError.h"

#include <QHash>
#include <QSet>
#include <QSqlQuery>

using namespace Qt::StringLiterals;

namespace pfa::db {

namespace {

// Nesting depth per connection. Connections belong to one thread, so a thread-local map needs no
// lock and can never see another thread's transactions.
thread_local QHash<QString, int> t_depth;
// Connections whose current transaction saw a failure. QPSQL prepares every query server-side and
// DEALLOCATEs it when the QSqlQuery goes away; inside an aborted transaction that DEALLOCATE fails,
// and the statement would stay on the server for the life of the connection — a slow leak in a
// long-running worker. Such transactions end with DEALLOCATE ALL.
thread_local QSet<QString> t_needsStatementCleanup;

void cleanUpStatementsIfNeeded(const QSqlDatabase& db)
{
    if (!t_needsStatementCleanup.remove(db.connectionName()))
        return;
    QSqlQuery query(db);
    if (!query.exec(u"DEALLOCATE ALL"_s))
        qCWarning(lcDb) << "could not release prepared statements:" << query.lastError().text();
}

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
    if (m_depth == 0)
        cleanUpStatementsIfNeeded(m_db);
    return {};
}

void Transaction::rollback()
{
    if (!m_active)
        return;
    m_active = false;
    --t_depth[m_db.connectionName()];
    t_needsStatementCleanup.insert(m_db.connectionName());
    auto undone = m_depth == 0
                      ? execute(m_db, u"ROLLBACK"_s)
                      : execute(m_db, u"ROLLBACK TO SAVEPOINT "_s + savepointName(m_depth));
    if (!undone)
        qCWarning(lcDb) << "rollback failed:" << undone.error().message;
    if (m_depth == 0)
        cleanUpStatementsIfNeeded(m_db);
}

} // namespace pfa::db
