#pragma once

#include "model/PfaField.h"

#include <QString>

namespace pfa::model {

// One broken rule. rule is a stable id (e.g. "dateOrder") for code and tests; message is plain
// English for people and names the field.
struct ValidationIssue
{
    PfaField field;
    QString rule;
    QString message;

    friend bool operator==(const ValidationIssue&, const ValidationIssue&) = default;
};

} // namespace pfa::model
