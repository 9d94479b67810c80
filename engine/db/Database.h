#pragma once

#include "model/Error.h"

#include <QMutex>
#include <QSqlDatabase>
#include <QString>

#include <set>

namespace pfa::db {

// Hands every thread its own QSqlDatabase connection to one database: Qt SQL connections must
// never cross threads, and the worker thread must not share the GUI thread's session (LISTEN,
// advisory locks and transactions are per session).
//
// A thread may also open dedicated connections, each for one purpose, for work that must not share
// the thread's session: LISTEN, whose notifications libpq consumes while other queries run.
//
// A thread that is about to finish calls releaseThreadConnection(); the destructor releases the
// calling thread's connections and warns about any other thread that forgot to.
class Database final
{
public:
    // `url` is a libpq URL (DATABASE_URL). Parsing errors surface on the first connection().
    explicit Database(QString url, QString applicationName = QStringLiteral("pfa-sync"));
    ~Database();
    Q_DISABLE_COPY_MOVE(Database)

    // The calling thread's connection, opened (and set to UTC) on first use.
    [[nodiscard]] Expected<QSqlDatabase> connection();
    // A further connection of the calling thread, one per non-empty `purpose`, opened like
    // connection() on first use and then returned again. Its owner releases it.
    [[nodiscard]] Expected<QSqlDatabase> dedicatedConnection(const QString& purpose);
    void releaseDedicatedConnection(const QString& purpose);
    // Releases every connection of the calling thread, dedicated ones included: the thread is
    // finishing, and a connection must not outlive its thread.
    void releaseThreadConnection();

    [[nodiscard]] const QString& url() const { return m_url; }

private:
    [[nodiscard]] QString threadConnectionName() const;
    [[nodiscard]] QString dedicatedConnectionName(const QString& purpose) const;
    [[nodiscard]] Expected<QSqlDatabase> open(const QString& name);
    void release(const QString& name);

    const QString m_url;
    const QString m_applicationName;
    const QString m_namePrefix;
    QMutex m_mutex;
    std::set<QString> m_openNames;
};

} // namespace pfa::db
