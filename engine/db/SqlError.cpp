#include "db/SqlError.h"

using namespace Qt::StringLiterals;

namespace pfa::db {

Error toError(const QSqlError& error, QStringView context)
{
    const QString state = error.nativeErrorCode();
    QString text = error.databaseText().trimmed();
    if (text.isEmpty())
        text = error.driverText().trimmed();
    ErrorCode code = ErrorCode::Database;
    if (state == sqlstate::UniqueViolation || state == sqlstate::ForeignKeyViolation ||
        state == sqlstate::CheckViolation)
        code = ErrorCode::Conflict;
    return Error{code, context.toString() + u": "_s + text, {}, state};
}

bool hasSqlState(const Error& error, QLatin1StringView state)
{
    return error.detail == state;
}

} // namespace pfa::db
