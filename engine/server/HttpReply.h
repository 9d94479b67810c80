#pragma once

#include "model/Error.h"

#include <QByteArray>
#include <QList>
#include <QPair>

#include <nlohmann/json.hpp>

namespace pfa::server {

// One answer of the service API. Errors have one shape everywhere:
// {"success": false, "error": CODE, "message": text for people, "field": the input at fault}.
struct HttpReply
{
    int status = 200;
    QByteArray body;
    QByteArray contentType = QByteArrayLiteral("application/json");
    QList<QPair<QByteArray, QByteArray>> headers;

    [[nodiscard]] static HttpReply json(int status, const nlohmann::json& body);
    [[nodiscard]] static HttpReply error(int status, QLatin1StringView code, const QString& message,
                                         const QString& field = {});
    // The status and code that fit an engine error. Database and internal errors answer 500
    // with a generic message: their text may name tables or constraints, which stay in the log.
    [[nodiscard]] static HttpReply fromError(const Error& error);
    [[nodiscard]] static HttpReply notFound(const QString& what);
};

} // namespace pfa::server
