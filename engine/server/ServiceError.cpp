#include "server/ServiceError.h"

using namespace Qt::StringLiterals;

namespace pfa::server {

namespace {

QString kindName(ServiceError::Kind kind)
{
    switch (kind) {
    case ServiceError::Kind::Http:
        return u"http"_s;
    case ServiceError::Kind::Transport:
        return u"transport"_s;
    case ServiceError::Kind::Timeout:
        return u"timeout"_s;
    case ServiceError::Kind::Tls:
        return u"tls"_s;
    case ServiceError::Kind::MalformedResponse:
        return u"malformed response"_s;
    }
    return u"unknown"_s;
}

} // namespace

QString ServiceError::toString() const
{
    QString text = kind == Kind::Http ? u"%1 %2: %3"_s.arg(httpStatus).arg(code, message)
                                      : u"%1: %2"_s.arg(kindName(kind), message);
    if (!field.isEmpty())
        text += u" (field %1)"_s.arg(field);
    return text;
}

Error toError(const ServiceError& error)
{
    ErrorCode code = ErrorCode::Io;
    if (error.kind == ServiceError::Kind::MalformedResponse) {
        code = ErrorCode::Internal;
    } else if (error.kind == ServiceError::Kind::Http) {
        switch (error.httpStatus) {
        case 400:
            code = error.code == u"VALIDATION_FAILED" ? ErrorCode::Validation
                                                      : ErrorCode::InvalidInput;
            break;
        case 401:
            code = ErrorCode::Unauthorized;
            break;
        case 403:
            code = ErrorCode::Forbidden;
            break;
        case 404:
            code = ErrorCode::NotFound;
            break;
        case 409:
            code = ErrorCode::Conflict;
            break;
        case 413:
            code = ErrorCode::InvalidInput;
            break;
        default:
            code = error.httpStatus >= 500 ? ErrorCode::Internal : ErrorCode::Io;
        }
    }
    return Error{.code = code,
                 .message = error.message,
                 .field = error.field,
                 .detail = error.httpStatus ? QString::number(error.httpStatus) : QString()};
}

} // namespace pfa::server
