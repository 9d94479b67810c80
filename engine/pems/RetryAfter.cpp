#include "pems/RetryAfter.h"

#include "pems/HttpDate.h"

#include <QByteArray>

#include <algorithm>

namespace pfa::pems {

std::optional<std::chrono::milliseconds> parseRetryAfter(QByteArrayView value, const QDateTime& now)
{
    const QByteArrayView text = value.trimmed();
    if (text.isEmpty())
        return std::nullopt;

    const bool allDigits =
        std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
    if (allDigits) {
        // Digits beyond what fits are simply "very long": cap instead of failing.
        constexpr qsizetype kMaxDigits = 9;
        if (text.size() > kMaxDigits)
            return kMaxRetryAfter;
        const auto seconds = std::chrono::seconds(text.toLongLong());
        return std::min<std::chrono::milliseconds>(seconds, kMaxRetryAfter);
    }

    const auto at = parseHttpDate(text);
    if (!at)
        return std::nullopt;
    const auto delta = std::chrono::milliseconds(now.msecsTo(*at));
    return std::clamp<std::chrono::milliseconds>(delta, std::chrono::milliseconds(0),
                                                 kMaxRetryAfter);
}

std::optional<std::chrono::milliseconds> retryAfterOf(const HttpResponse& response)
{
    const auto value = response.header("Retry-After");
    if (!value)
        return std::nullopt;
    QDateTime now;
    if (const auto date = response.header("Date"))
        now = parseHttpDate(*date).value_or(QDateTime());
    if (!now.isValid())
        now = response.receivedAt.isValid() ? response.receivedAt : QDateTime::currentDateTimeUtc();
    return parseRetryAfter(*value, now);
}

} // namespace pfa::pems
