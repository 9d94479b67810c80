#pragma once

#include "model/WireEnum.h"

namespace pfa::model {

// Why a write failed; the class decides the handling (retry, pause, dead letter) and is shown to
// users.
enum class FailureClass
{
    Conflict,
    NeedsConfirmation,
    Validation,
    Transient,
    Auth,
    RateLimit
};

template<>
struct WireNames<FailureClass>
{
    static constexpr std::array<std::pair<FailureClass, std::string_view>, 6> table{{
        {FailureClass::Conflict, "conflict"},
        {FailureClass::NeedsConfirmation, "needs_confirmation"},
        {FailureClass::Validation, "validation"},
        {FailureClass::Transient, "transient"},
        {FailureClass::Auth, "auth"},
        {FailureClass::RateLimit, "rate_limit"},
    }};
};
static_assert(detail::isCompleteWireTable(WireNames<FailureClass>::table));

} // namespace pfa::model
