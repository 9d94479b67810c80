#pragma once

#include "model/ValidationIssue.h"

#include <QString>

namespace pfa::sim {

// One entry of a 400's "fields": a PFA field's wire name or a request member ("version", "body").
struct FieldProblem
{
    QString field;
    QString rule;
    QString message;

    [[nodiscard]] static FieldProblem fromIssue(const model::ValidationIssue& issue)
    {
        return {model::wireName(issue.field), issue.rule, issue.message};
    }
};

} // namespace pfa::sim
