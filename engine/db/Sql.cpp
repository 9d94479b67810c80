#include "db/Sql.h"

#include "db/SqlError.h"

#include <QDateTime>

#include <nlohmann/json.hpp>

using namespace Qt::StringLiterals;

namespace pfa::db {

Expected<QSqlQuery> runQuery(const QSqlDatabase& db, QStringView what, const QString& sql,
                             std::initializer_list<SqlParam> params)
{
    QSqlQuery query(db);
    query.setForwardOnly(true);
    if (!query.prepare(sql))
        return std::unexpected(toError(query.lastError(), what));
    for (const auto& [name, value] : params) {
        // QPSQL binds a null QString as NULL, so an unset text (say, no change reason) would hit
        // a NOT NULL constraint. Only a typed null variant means SQL NULL here.
        const bool nullText = !value.isNull() && value.metaType().id() == QMetaType::QString &&
                              value.toString().isNull();
        query.bindValue(u':' + QString(name), nullText ? QVariant(QString(u""_s)) : value);
    }
    if (!query.exec())
        return std::unexpected(toError(query.lastError(), what));
    return query;
}

Expected<QSqlQuery> runStatement(const QSqlDatabase& db, QStringView what, const QString& sql)
{
    QSqlQuery query(db);
    if (!query.exec(sql))
        return std::unexpected(toError(query.lastError(), what));
    return query;
}

QString jsonText(const nlohmann::json& value)
{
    return QString::fromStdString(value.dump());
}

Expected<nlohmann::json> jsonColumn(const QVariant& value, QStringView column)
{
    if (value.isNull())
        return nlohmann::json();
    const QByteArray text = value.toString().toUtf8();
    auto parsed =
        nlohmann::json::parse(text.cbegin(), text.cend(), nullptr, /*allow_exceptions=*/false);
    if (parsed.is_discarded())
        return fail(ErrorCode::Database, u"column %1 does not hold valid JSON"_s.arg(column));
    return parsed;
}

QVariant nullableDateTime(const std::optional<QDateTime>& value)
{
    return value ? QVariant(value->toUTC()) : QVariant(QMetaType(QMetaType::QDateTime));
}

QVariant nullableInt(const std::optional<qint64>& value)
{
    return value ? QVariant(*value) : QVariant(QMetaType(QMetaType::LongLong));
}

std::optional<QDateTime> optionalDateTime(const QVariant& value)
{
    if (value.isNull())
        return std::nullopt;
    return value.toDateTime().toUTC();
}

std::optional<qint64> optionalInt(const QVariant& value)
{
    if (value.isNull())
        return std::nullopt;
    return value.toLongLong();
}

QDateTime utc(const QVariant& value)
{
    return value.toDateTime().toUTC();
}

} // namespace pfa::db
