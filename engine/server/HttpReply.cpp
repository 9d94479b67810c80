#include "server/HttpReply.h"

#include "server/ServerLog.h"

using namespace Qt::StringLiterals;

namespace pfa::server {

HttpReply HttpReply::json(int status, const nlohmann::json& body)
{
    return {.status = status,
            .body = QByteArray::fromStdString(
                body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace)),
            .contentType = QByteArrayLiteral("application/json"),
            .headers = {}};
}

HttpReply HttpReply::error(int status, QLatin1StringView code, const QString& message,
                           const QString& field)
{
    nlohmann::json body = {{"success", false},
                           {"error", std::string(code.data(), std::size_t(code.size()))},
                           {"message", message.toStdString()}};
    if (!field.isEmpty())
        body["field"] = field.toStdString();
    return json(status, body);
}

HttpReply HttpReply::fromError(const Error& error)
{
    switch (error.code) {
    case ErrorCode::InvalidInput:
        return HttpReply::error(400, "INVALID_INPUT"_L1, error.message, error.field);
    case ErrorCode::Validation:
        return HttpReply::error(400, "VALIDATION_FAILED"_L1, error.message, error.field);
    case ErrorCode::NotFound:
        return HttpReply::error(404, "NOT_FOUND"_L1, error.message, error.field);
    case ErrorCode::Conflict:
        return HttpReply::error(409, "CONFLICT"_L1, error.message, error.field);
    case ErrorCode::Unauthorized:
        return HttpReply::error(401, "UNAUTHORIZED"_L1, error.message);
    case ErrorCode::Forbidden:
        return HttpReply::error(403, "FORBIDDEN"_L1, error.message);
    case ErrorCode::Database:
    case ErrorCode::Io:
    case ErrorCode::Config:
    case ErrorCode::Internal:
        break;
    }
    qCWarning(lcServer).noquote() << "request failed:" << error.toString() << error.detail;
    return HttpReply::error(500, "INTERNAL"_L1,
                            u"the service could not complete the request; its log has the cause"_s);
}

HttpReply HttpReply::notFound(const QString& what)
{
    return error(404, "NOT_FOUND"_L1, u"%1 does not exist"_s.arg(what));
}

} // namespace pfa::server
