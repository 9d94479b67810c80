#pragma once

#include "model/Error.h"

#include <QSqlDatabase>
#include <QSqlQuery>
#include <QVariant>

#include <nlohmann/json_fwd.hpp>

#include <initializer_list>
#include <utility>

namespace pfa::db {

// One named parameter (":name" in the SQL). Values are always bound, never spliced into SQL.
using SqlParam = std::pair<QLatin1StringView, QVariant>;

// Prepares `sql`, binds every parameter and executes it. The error names `what` for people.
[[nodiscard]] Expected<QSqlQuery> runQuery(const QSqlDatabase& db, QStringView what,
                                           const QString& sql,
                                           std::initializer_list<SqlParam> params = {});

// Executes fixed SQL that takes no parameters and cannot be prepared (CREATE DATABASE, SET …).
// Never pass text built from input: there is nothing to bind it to.
[[nodiscard]] Expected<QSqlQuery> runStatement(const QSqlDatabase& db, QStringView what,
                                               const QString& sql);

// jsonb travels as text: bind with CAST(:x AS jsonb), read the column as text.
[[nodiscard]] QString jsonText(const nlohmann::json& value);
[[nodiscard]] Expected<nlohmann::json> jsonColumn(const QVariant& value, QStringView column);

// NULL-aware conversions for nullable columns.
[[nodiscard]] QVariant nullableDateTime(const std::optional<QDateTime>& value);
[[nodiscard]] QVariant nullableInt(const std::optional<qint64>& value);
[[nodiscard]] std::optional<QDateTime> optionalDateTime(const QVariant& value);
[[nodiscard]] std::optional<qint64> optionalInt(const QVariant& value);
[[nodiscard]] QDateTime utc(const QVariant& value);

} // namespace pfa::db
