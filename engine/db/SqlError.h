#pragma once

#include "model/Error.h"

#include <QSqlError>

namespace pfa::db {

// SQLSTATE codes we branch on (PostgreSQL appendix A).
namespace sqlstate {
inline constexpr QLatin1StringView UniqueViolation{"23505"};
inline constexpr QLatin1StringView ForeignKeyViolation{"23503"};
inline constexpr QLatin1StringView CheckViolation{"23514"};
inline constexpr QLatin1StringView InsufficientPrivilege{"42501"};
} // namespace sqlstate

// Turns a driver error into our Error, keeping the SQLSTATE so callers can tell a constraint
// violation from a lost connection. Never includes bound values: they may be secrets.
[[nodiscard]] Error toError(const QSqlError& error, QStringView context);

[[nodiscard]] bool hasSqlState(const Error& error, QLatin1StringView state);

} // namespace pfa::db
