#include "server/ApiCall.h"

#include "model/IsoDateTime.h"

#include <algorithm>

using namespace Qt::StringLiterals;

namespace pfa::server {

std::optional<qint64> parseId(QStringView text)
{
    if (text.isEmpty() || text.size() > 18 ||
        !std::ranges::all_of(text, [](QChar c) { return c >= u'0' && c <= u'9'; }))
        return std::nullopt;
    const qint64 value = text.toLongLong();
    return value > 0 ? std::optional(value) : std::nullopt;
}

Expected<nlohmann::json> ApiCall::jsonObject() const
{
    if (body.trimmed().isEmpty())
        return nlohmann::json::object();
    auto parsed = nlohmann::json::parse(body.constData(), body.constData() + body.size(), nullptr,
                                        /*allow_exceptions=*/false);
    if (parsed.is_discarded())
        return fail(ErrorCode::InvalidInput, u"the body is not valid JSON"_s, u"body"_s);
    if (!parsed.is_object())
        return fail(ErrorCode::InvalidInput, u"the body must be a JSON object"_s, u"body"_s);
    return parsed;
}

Expected<void> ApiCall::allowOnly(std::initializer_list<QStringView> names) const
{
    for (const auto& [key, value] : query.queryItems(QUrl::FullyDecoded)) {
        Q_UNUSED(value)
        if (std::ranges::find(names, QStringView(key)) == names.end())
            return fail(ErrorCode::InvalidInput, u"unknown query parameter"_s, key);
    }
    return {};
}

std::optional<QString> ApiCall::queryText(const QString& name) const
{
    if (!query.hasQueryItem(name))
        return std::nullopt;
    return query.queryItemValue(name, QUrl::FullyDecoded);
}

Expected<std::optional<qint64>> ApiCall::queryId(const QString& name) const
{
    const auto text = queryText(name);
    if (!text)
        return std::optional<qint64>();
    if (const auto id = parseId(*text))
        return std::optional(*id);
    return fail(ErrorCode::InvalidInput, u"must be a positive integer id"_s, name);
}

Expected<std::optional<QDateTime>> ApiCall::queryDate(const QString& name) const
{
    const auto text = queryText(name);
    if (!text)
        return std::optional<QDateTime>();
    if (auto parsed = model::parseIsoDateTime(*text))
        return std::optional(*parsed);
    return fail(ErrorCode::InvalidInput,
                u"must be an ISO-8601 date-time with a time zone (2026-01-31T00:00:00Z)"_s, name);
}

Expected<std::optional<int>> ApiCall::queryInt(const QString& name, int min, int max) const
{
    const auto text = queryText(name);
    if (!text)
        return std::optional<int>();
    bool ok = false;
    const int value = text->toInt(&ok);
    if (!ok || value < min || value > max)
        return fail(ErrorCode::InvalidInput,
                    u"must be an integer from %1 to %2"_s.arg(min).arg(max), name);
    return std::optional(value);
}

Expected<PageRequest> ApiCall::queryPage() const
{
    const auto limit = queryInt(u"limit"_s, 1, 500);
    if (!limit)
        return std::unexpected(limit.error());
    const auto offset = queryInt(u"offset"_s, 0, 1'000'000);
    if (!offset)
        return std::unexpected(offset.error());
    return PageRequest{.limit = limit->value_or(100), .offset = offset->value_or(0)};
}

Expected<qint64> ApiCall::captureId(int index, const QString& what) const
{
    if (index < captures.size()) {
        if (const auto id = parseId(captures.at(index)))
            return *id;
    }
    // The value itself is not echoed: it is whatever the caller put in the path.
    return fail(ErrorCode::InvalidInput,
                u"the %1 id in the path must be a positive integer"_s.arg(what), u"id"_s);
}

} // namespace pfa::server
