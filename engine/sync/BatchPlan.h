#pragma once

#include "db/WriteBatchRepository.h"
#include "model/FailureClass.h"
#include "sync/SendGroup.h"

#include <vector>

namespace pfa::sync {

struct PlannedConflict
{
    db::ClaimedItem item;
    db::ConflictRecord record;
};

// PEMS changed the record since the item's base, on other fields (or to the same values): the
// item goes out on top of PEMS' version and the rebase is recorded.
struct PlannedRebase
{
    db::ClaimedItem item;
    db::ConflictRecord record;
    std::vector<model::PfaField> identical;
};

struct PlannedFailure
{
    db::ClaimedItem item;
    QString error;
    model::FailureClass failureClass = model::FailureClass::Validation;
};

// What the worker does with one claimed batch.
struct BatchPlan
{
    std::vector<SendGroup> groups;
    std::vector<PlannedConflict> conflicts;
    std::vector<PlannedRebase> rebases;
    std::vector<PlannedFailure> failures;
    std::vector<qint64> release; // queue ids given back untouched: blocked, or for a later request
    std::vector<qint64> retire;  // queue ids whose modification is no longer queued
};

} // namespace pfa::sync
