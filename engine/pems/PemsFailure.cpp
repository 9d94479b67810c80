#include "pems/PemsFailure.h"

using namespace Qt::StringLiterals;

namespace pfa::pems {

namespace {

template<typename... Ts>
struct Overloaded : Ts...
{
    using Ts::operator()...;
};

} // namespace

model::FailureClass failureClass(const PemsFailure& failure)
{
    using model::FailureClass;
    return std::visit(Overloaded{
                          [](const VersionConflict&) { return FailureClass::Conflict; },
                          [](const RateLimited&) { return FailureClass::RateLimit; },
                          [](const Unauthorized&) { return FailureClass::Auth; },
                          [](const Permanent&) { return FailureClass::Validation; },
                          [](const NeedsConfirmation&) { return FailureClass::NeedsConfirmation; },
                          [](const Transient&) { return FailureClass::Transient; },
                      },
                      failure);
}

std::optional<int> httpStatusOf(const PemsFailure& failure)
{
    return std::visit(Overloaded{
                          [](const VersionConflict&) -> std::optional<int> { return 409; },
                          [](const RateLimited&) -> std::optional<int> { return 429; },
                          [](const Unauthorized& f) -> std::optional<int> { return f.httpStatus; },
                          [](const Permanent& f) { return f.httpStatus; },
                          [](const NeedsConfirmation& f) { return f.httpStatus; },
                          [](const Transient& f) { return f.httpStatus; },
                      },
                      failure);
}

QString messageOf(const PemsFailure& failure)
{
    return std::visit([](const auto& f) { return f.message; }, failure);
}

QString kindName(const PemsFailure& failure)
{
    return std::visit(Overloaded{
                          [](const VersionConflict&) { return u"version_conflict"_s; },
                          [](const RateLimited&) { return u"rate_limited"_s; },
                          [](const Unauthorized&) { return u"unauthorized"_s; },
                          [](const Permanent&) { return u"permanent"_s; },
                          [](const NeedsConfirmation&) { return u"needs_confirmation"_s; },
                          [](const Transient&) { return u"transient"_s; },
                      },
                      failure);
}

QString causeName(TransientCause cause)
{
    switch (cause) {
    case TransientCause::ServerError:
        return u"server_error"_s;
    case TransientCause::Timeout:
        return u"timeout"_s;
    case TransientCause::ConnectionRefused:
        return u"connection_refused"_s;
    case TransientCause::ConnectionClosed:
        return u"connection_closed"_s;
    case TransientCause::HostNotFound:
        return u"host_not_found"_s;
    case TransientCause::Tls:
        return u"tls"_s;
    case TransientCause::MalformedResponse:
        return u"malformed_response"_s;
    case TransientCause::Network:
        return u"network"_s;
    }
    return u"network"_s;
}

QString describe(const PemsFailure& failure)
{
    QString text = kindName(failure);
    if (const auto* transient = std::get_if<Transient>(&failure))
        text += u'/' + causeName(transient->cause);
    if (const auto status = httpStatusOf(failure))
        text += u" (HTTP %1)"_s.arg(*status);
    const QString message = messageOf(failure);
    if (!message.isEmpty())
        text += u": "_s + message;
    return text;
}

Error toError(const PemsFailure& failure)
{
    const ErrorCode code = std::visit(
        Overloaded{
            [](const VersionConflict&) { return ErrorCode::Conflict; },
            [](const RateLimited&) { return ErrorCode::Io; },
            [](const Unauthorized& f) {
                return f.httpStatus == 403 ? ErrorCode::Forbidden : ErrorCode::Unauthorized;
            },
            [](const Permanent& f) {
                if (!f.httpStatus)
                    return ErrorCode::InvalidInput;
                return *f.httpStatus == 404 ? ErrorCode::NotFound : ErrorCode::Validation;
            },
            [](const NeedsConfirmation&) { return ErrorCode::Conflict; },
            [](const Transient&) { return ErrorCode::Io; },
        },
        failure);
    QString field;
    if (const auto* permanent = std::get_if<Permanent>(&failure);
        permanent && !permanent->fieldErrors.empty())
        field = permanent->fieldErrors.front().field;
    const auto status = httpStatusOf(failure);
    return Error{code, describe(failure), field, status ? QString::number(*status) : QString()};
}

bool isNotFound(const PemsFailure& failure)
{
    const auto* permanent = std::get_if<Permanent>(&failure);
    return permanent && permanent->httpStatus == 404;
}

} // namespace pfa::pems
