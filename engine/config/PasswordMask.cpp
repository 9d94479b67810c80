#include "config/PasswordMask.h"

#include <algorithm>

using namespace Qt::StringLiterals;

namespace pfa::config {
namespace {

const QString kMask = u"***"_s;

// scheme://user:password@host -> scheme://user:***@host
QString maskUserInfo(const QString& url)
{
    const qsizetype schemeEnd = url.indexOf(u"://");
    if (schemeEnd < 0)
        return url;
    const qsizetype authority = schemeEnd + 3;
    // The last '@' anywhere: a password typed without percent-encoding may itself contain '@',
    // '/' or '?', and masking too much is harmless here while masking too little is not.
    const qsizetype at = url.lastIndexOf(u'@');
    if (at < authority)
        return url;
    const qsizetype colon = url.indexOf(u':', authority);
    if (colon < 0 || colon >= at || colon + 1 == at)
        return url;
    return url.left(colon + 1) + kMask + url.sliced(at);
}

// ...password=value (query parameter or keyword/value pair) -> ...password=***
QString maskPasswordParameters(QString url)
{
    const QString key = u"password="_s;
    qsizetype from = 0;
    for (;;) {
        const qsizetype found = url.indexOf(key, from, Qt::CaseInsensitive);
        if (found < 0)
            return url;
        const qsizetype start = found + key.size();
        qsizetype end = start;
        if (end < url.size() && url[end] == u'\'') {
            // libpq keyword/value form: single-quoted, backslash escapes
            ++end;
            while (end < url.size() && url[end] != u'\'')
                end += url[end] == u'\\' ? 2 : 1;
            end = std::min(end + 1, url.size());
        } else {
            while (end < url.size() && url[end] != u'&' && url[end] != u'#' && !url[end].isSpace())
                ++end;
        }
        if (end > start)
            url.replace(start, end - start, kMask);
        from = start + (end > start ? kMask.size() : 0);
    }
}

} // namespace

QString maskUrlPassword(const QString& url)
{
    return maskPasswordParameters(maskUserInfo(url));
}

bool containsUrlPassword(const QString& url)
{
    return maskUrlPassword(url) != url;
}

} // namespace pfa::config
