#pragma once

#include "model/FieldDiff.h"

#include <QString>
#include <QtGlobal>

#include <nlohmann/json.hpp>

#include <vector>

namespace pfa::model {

// What rolling one record back does (RollbackService): the fields whose values come back, from
// what the mirror holds now to what they were at `toVersion`. A preview is a list of these, and
// applying returns the list it applied, so the two can be compared.
struct RollbackPlan
{
    qint64 organizationId = 0;
    QString pfaId;
    qint64 fromVersion = 0; // the mirror's version now: the rollback change is based on it
    qint64 toVersion = 0;   // the version whose values come back (rollback_of_version)
    std::vector<FieldChange> changes; // before = now, after = restored
    // A job rollback only: the record has versions newer than the job's last change of it; the
    // job's fields still get their pre-job values, later edits of other fields are kept.
    bool changedSinceJob = false;

    friend bool operator==(const RollbackPlan&, const RollbackPlan&) = default;
};

[[nodiscard]] nlohmann::json toJson(const RollbackPlan& value);

} // namespace pfa::model
