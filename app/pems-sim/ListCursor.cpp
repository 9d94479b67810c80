#include "ListCursor.h"

#include <QByteArray>
#include <QList>

namespace pfa::sim {

namespace {
constexpr auto Base64Url = QByteArray::Base64UrlEncoding | QByteArray::OmitTrailingEquals;
}

QString ListCursor::encode() const
{
    const QByteArray plain =
        "v1:" + QByteArray::number(updatedAtMs) + ':' + QByteArray::number(sequence);
    return QString::fromLatin1(plain.toBase64(Base64Url));
}

std::optional<ListCursor> ListCursor::decode(QStringView text)
{
    const auto decoded = QByteArray::fromBase64Encoding(
        text.toLatin1(), Base64Url | QByteArray::AbortOnBase64DecodingErrors);
    if (!decoded)
        return std::nullopt;
    const QList<QByteArray> parts = decoded.decoded.split(':');
    if (parts.size() != 3 || parts[0] != "v1")
        return std::nullopt;
    bool msOk = false;
    bool sequenceOk = false;
    ListCursor cursor{parts[1].toLongLong(&msOk), parts[2].toULongLong(&sequenceOk)};
    if (!msOk || !sequenceOk)
        return std::nullopt;
    return cursor;
}

} // namespace pfa::sim
