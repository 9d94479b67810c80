#include "server/JsonBody.h"

#include <algorithm>
#include <set>

using namespace Qt::StringLiterals;

namespace pfa::server::json_body {

namespace {

bool isPositiveId(const nlohmann::json& value)
{
    // Unsigned values beyond qint64 would wrap to negatives: refused with them.
    return value.is_number_integer() && value.get<qint64>() > 0;
}

} // namespace

Expected<void> onlyKeys(const nlohmann::json& body, std::initializer_list<std::string_view> keys)
{
    for (const auto& [key, value] : body.items()) {
        Q_UNUSED(value)
        if (std::ranges::find(keys, std::string_view(key)) == keys.end())
            return fail(ErrorCode::InvalidInput, u"unknown field"_s, QString::fromStdString(key));
    }
    return {};
}

Expected<qint64> requiredId(const nlohmann::json& body, const char* key)
{
    const auto found = body.find(key);
    if (found == body.end() || found->is_null())
        return fail(ErrorCode::InvalidInput, u"is required"_s, QString::fromLatin1(key));
    if (!isPositiveId(*found))
        return fail(ErrorCode::InvalidInput, u"must be a positive integer"_s,
                    QString::fromLatin1(key));
    return found->get<qint64>();
}

Expected<std::optional<qint64>> optionalId(const nlohmann::json& body, const char* key)
{
    const auto found = body.find(key);
    if (found == body.end() || found->is_null())
        return std::optional<qint64>();
    if (!isPositiveId(*found))
        return fail(ErrorCode::InvalidInput, u"must be a positive integer"_s,
                    QString::fromLatin1(key));
    return std::optional(found->get<qint64>());
}

Expected<QString> requiredText(const nlohmann::json& body, const char* key, const QString& why)
{
    const auto found = body.find(key);
    if (found == body.end() || !found->is_string() ||
        QString::fromStdString(found->get<std::string>()).trimmed().isEmpty())
        return fail(ErrorCode::InvalidInput, u"is required: "_s + why, QString::fromLatin1(key));
    return QString::fromStdString(found->get<std::string>());
}

Expected<std::vector<qint64>> idList(const nlohmann::json& body, const char* key, std::size_t min,
                                     std::size_t max)
{
    const QString field = QString::fromLatin1(key);
    const auto found = body.find(key);
    if (found == body.end() || !found->is_array() || found->size() < min || found->size() > max)
        return fail(ErrorCode::InvalidInput,
                    u"must be an array of %1 to %2 ids"_s.arg(min).arg(max), field);
    std::vector<qint64> ids;
    std::set<qint64> seen;
    for (const auto& value : *found) {
        if (!isPositiveId(value))
            return fail(ErrorCode::InvalidInput, u"must hold positive integer ids only"_s, field);
        // A repeated id would be acted on twice in one transaction; say so instead.
        if (!seen.insert(value.get<qint64>()).second)
            return fail(ErrorCode::InvalidInput, u"must not repeat an id"_s, field);
        ids.push_back(value.get<qint64>());
    }
    return ids;
}

} // namespace pfa::server::json_body
