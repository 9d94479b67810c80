#pragma once

#include "model/Error.h"

#include <QMap>
#include <QString>
#include <QStringView>

class QSqlDatabase;

namespace pfa::db {

// Where and how to connect, as read from a libpq connection URL (DATABASE_URL).
struct ConnectionParams
{
    QString host; // name, IP address, or a Unix-socket directory (starts with '/'); empty: libpq's
                  // default socket
    int port = 5432;
    QString user;
    QString password;
    QString dbname;
    QString sslmode;                // empty: libpq's default (prefer)
    QMap<QString, QString> options; // connect_timeout, application_name
};

// Parses postgresql://[user[:password]@][host][:port][/dbname][?param=value&...] (or postgres://),
// percent-decoding every part. Query parameters: host, port, user, password, dbname, sslmode,
// connect_timeout, application_name; they override the parts before them. Errors have code
// InvalidInput and field DATABASE_URL, and never contain the password.
[[nodiscard]] Expected<ConnectionParams> parseDatabaseUrl(QStringView url);

// The URL with its password (user info or password= parameter) replaced by ***, for logs and
// `config show`. Also masks malformed URLs and keyword=value connection strings.
[[nodiscard]] QString maskedDatabaseUrl(QStringView url);

// Sets host, port, user, password and database name, and passes sslmode, connect_timeout and
// application_name as QPSQL connect options. QPSQL turns every ';' into a separator, so a ';'
// inside application_name becomes a space.
void applyTo(const ConnectionParams& params, QSqlDatabase& db);

} // namespace pfa::db
