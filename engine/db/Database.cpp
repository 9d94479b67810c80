#include "db/Database.h"

#include "db/DatabaseUrl.h"
#include "db/DbLog.h"
#include "db/SqlError.h"

#include <QAtomicInteger>
#include <QSqlQuery>
#include <QThread>

using namespace Qt::StringLiterals;

namespace pfa::db {

namespace {

QAtomicInteger<quint64> s_instanceCounter;

QString currentThreadId()
{
    return QString::number(reinterpret_cast<quintptr>(QThread::currentThread()), 16);
}

// Ends every dedicated connection name of the calling thread; thread connection names have no '@'.
QString dedicatedSuffix()
{
    return u'@' + currentThreadId();
}

} // namespace

Database::Database(QString url, QString applicationName)
    : m_url(std::move(url))
    , m_applicationName(std::move(applicationName))
    , m_namePrefix(u"pfa-db-%1-"_s.arg(s_instanceCounter.fetchAndAddRelaxed(1)))
{}

Database::~Database()
{
    releaseThreadConnection();
    const QMutexLocker lock(&m_mutex);
    for (const QString& name : m_openNames)
        qCWarning(lcDb) << "connection" << name << "was not released by its thread";
}

QString Database::threadConnectionName() const
{
    return m_namePrefix + currentThreadId();
}

QString Database::dedicatedConnectionName(const QString& purpose) const
{
    return m_namePrefix + purpose + dedicatedSuffix();
}

Expected<QSqlDatabase> Database::connection()
{
    return open(threadConnectionName());
}

Expected<QSqlDatabase> Database::dedicatedConnection(const QString& purpose)
{
    if (purpose.isEmpty())
        return fail(ErrorCode::InvalidInput, u"a dedicated connection needs a purpose"_s,
                    u"purpose"_s);
    return open(dedicatedConnectionName(purpose));
}

Expected<QSqlDatabase> Database::open(const QString& name)
{
    if (QSqlDatabase::contains(name)) {
        QSqlDatabase db = QSqlDatabase::database(name, /*open=*/false);
        if (db.isOpen())
            return db;
        // A broken session (server restart) is reopened rather than reused.
        if (db.open())
            return db;
        return std::unexpected(toError(db.lastError(), u"cannot connect to the database"));
    }

    auto params = parseDatabaseUrl(m_url);
    if (!params)
        return std::unexpected(params.error());
    if (!params->options.contains(u"application_name"_s))
        params->options.insert(u"application_name"_s, m_applicationName);

    QSqlDatabase db = QSqlDatabase::addDatabase(u"QPSQL"_s, name);
    applyTo(*params, db);
    {
        const QMutexLocker lock(&m_mutex);
        m_openNames.insert(name);
    }
    if (!db.open()) {
        const Error error = toError(db.lastError(), u"cannot connect to the database"_s);
        db = QSqlDatabase();
        release(name);
        return std::unexpected(error);
    }
    // Timestamps are stored as instants; a UTC session makes text forms unambiguous in logs.
    QSqlQuery setup(db);
    if (!setup.exec(u"SET TIME ZONE 'UTC'"_s))
        return std::unexpected(toError(setup.lastError(), u"cannot configure the session"));
    qCDebug(lcDb) << "opened" << name << "to" << maskedDatabaseUrl(m_url);
    return db;
}

void Database::releaseDedicatedConnection(const QString& purpose)
{
    if (!purpose.isEmpty())
        release(dedicatedConnectionName(purpose));
}

void Database::releaseThreadConnection()
{
    const QString own = threadConnectionName();
    const QString suffix = dedicatedSuffix();
    QStringList names;
    {
        const QMutexLocker lock(&m_mutex);
        for (const QString& name : m_openNames)
            if (name == own || name.endsWith(suffix))
                names << name;
    }
    for (const QString& name : std::as_const(names))
        release(name);
}

void Database::release(const QString& name)
{
    {
        const QMutexLocker lock(&m_mutex);
        if (m_openNames.erase(name) == 0)
            return;
    }
    {
        QSqlDatabase db = QSqlDatabase::database(name, /*open=*/false);
        db.close();
    }
    QSqlDatabase::removeDatabase(name);
}

} // namespace pfa::db
