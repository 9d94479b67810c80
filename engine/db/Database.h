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
// A thread that is about to finish calls releaseThreadConnection(); the destructor releases the
// calling thread's connection and warns about any other thread that forgot to.
class Database final
{
public:
    // `url` is a libpq URL (DATABASE_URL). Parsing errors surface on the first connection().
    explicit Database(QString url, QString applicationName = QStringLiteral("pfa-sync"));
    ~Database();
    Q_DISABLE_COPY_MOVE(Database)

    // The calling thread's connection, opened (and set to UTC) on first use.
    [[nodiscard]] Expected<QSqlDatabase> connection();
    void releaseThreadConnection();

    [[nodiscard]] const QString& url() const { return m_url; }

private:
    [[nodiscard]] QString threadConnectionName() const;

    const QString m_url;
    const QString m_applicationName;
    const QString m_namePrefix;
    QMutex m_mutex;
    std::set<QString> m_openNames;
};

} // namespace pfa::db
