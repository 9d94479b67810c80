#pragma once

#include <QString>

#include <expected>

namespace pfa {

// What went wrong, in categories that callers branch on. The message is for people; the field
// names the input that was wrong, when there was one.
enum class ErrorCode
{
    InvalidInput, // malformed input: wrong JSON type, unknown field, bad date, bad UTF-8
    Validation,   // well-formed but breaks a business rule
    NotFound,
    Conflict, // a state or version precondition did not hold
    Database,
    Io,
    Config,
    Unauthorized,
    Forbidden,
    Internal,
};

struct Error
{
    ErrorCode code = ErrorCode::Internal;
    QString message;
    QString field;
    // Machine-readable cause for callers that branch on it: the SQLSTATE of a database error,
    // the HTTP status of a PEMS error. Never shown instead of the message.
    QString detail;

    [[nodiscard]] QString toString() const
    {
        return field.isEmpty() ? message : field + QLatin1String(": ") + message;
    }
};

template<typename T>
using Expected = std::expected<T, Error>;

[[nodiscard]] inline std::unexpected<Error> fail(ErrorCode code, QString message,
                                                 QString field = {})
{
    return std::unexpected(Error{code, std::move(message), std::move(field)});
}

} // namespace pfa
