#include "sync/BatchPlanner.h"

#include "model/FieldDiff.h"
#include "model/Validator.h"
#include "sync/ConflictDetector.h"

#include <QStringList>
#include <map>

using namespace Qt::StringLiterals;

namespace pfa::sync {

namespace {

using model::FailureClass;
using model::Operation;

QString describeIssues(const std::vector<model::ValidationIssue>& issues)
{
    QStringList messages;
    for (const auto& issue : issues)
        messages << issue.message;
    return messages.join(u"; "_s);
}

// The queued items of one record, in commit order.
class RecordPlanner
{
public:
    RecordPlanner(BatchPlan& plan, const BatchPlanner::ChangesLookup& changesSince)
        : m_plan(plan)
        , m_changesSince(changesSince)
    {}

    Expected<void> plan(std::vector<db::ClaimedItem> items)
    {
        std::vector<db::ClaimedItem> queued;
        for (auto& item : items) {
            if (item.modificationStatus == model::SyncStatus::Queued)
                queued.push_back(std::move(item));
            else
                m_plan.retire.push_back(item.queueId);
        }
        if (queued.empty())
            return {};
        if (queued.front().sentVersion)
            return repeat(std::move(queued));
        return coalesce(std::move(queued));
    }

private:
    // The head went out before under its key: send the same request again, so that PEMS can
    // answer from its idempotency store if the first one was applied.
    Expected<void> repeat(std::vector<db::ClaimedItem> items)
    {
        SendGroup group;
        group.version = *items.front().sentVersion;
        const qint64 headId = items.front().queueId;
        for (auto& item : items) {
            const bool member = item.queueId == headId || item.coalescedInto == headId;
            if (!member) {
                m_plan.release.push_back(item.queueId);
                continue;
            }
            group.merged = model::applyDelta(std::move(group.merged), item.delta);
            group.items.push_back(std::move(item));
        }
        m_plan.groups.push_back(std::move(group));
        return {};
    }

    Expected<void> coalesce(std::vector<db::ClaimedItem> items)
    {
        const db::ClaimedItem& first = items.front();
        SendGroup group;
        group.version = first.mirrorVersion;
        model::FieldMap record = first.mirrorData;
        bool held = false; // an item that cannot go holds every later one of the record
        for (auto& item : items) {
            if (held || (item.operation == Operation::Delete && !group.items.empty()) ||
                (!group.items.empty() && group.head().operation == Operation::Delete)) {
                held = true;
                m_plan.release.push_back(item.queueId);
                continue;
            }
            if (item.mirrorId == 0 || item.mirrorDeleted) {
                m_plan.failures.push_back(
                    {item,
                     item.mirrorDeleted ? u"record %1 was deleted in PEMS"_s.arg(item.pfaId)
                                        : u"record %1 is not in the local mirror"_s.arg(item.pfaId),
                     FailureClass::Validation});
                held = true;
                continue;
            }
            auto verdict = check(item);
            if (!verdict)
                return std::unexpected(verdict.error());
            if (*verdict == Verdict::Conflict) {
                held = true;
                continue;
            }
            if (item.operation == Operation::Update) {
                const auto issues = model::Validator::validateDelta(record, item.delta);
                if (!issues.empty()) {
                    m_plan.failures.push_back(
                        {item, describeIssues(issues), FailureClass::Validation});
                    held = true;
                    continue;
                }
                record = model::applyDelta(std::move(record), item.delta);
                group.merged = model::applyDelta(std::move(group.merged), item.delta);
            }
            group.items.push_back(std::move(item));
        }
        if (!group.items.empty())
            m_plan.groups.push_back(std::move(group));
        return {};
    }

    enum class Verdict
    {
        Send,
        Conflict
    };

    // Step 2 of DESIGN: a base older than the mirror is checked against what PEMS changed since.
    Expected<Verdict> check(const db::ClaimedItem& item)
    {
        if (item.baseVersion >= item.mirrorVersion)
            return Verdict::Send;
        auto changes = m_changesSince(item);
        if (!changes)
            return std::unexpected(changes.error());
        if (changes->foreignChanges.empty())
            return Verdict::Send; // every version since the base is one we wrote ourselves

        db::ConflictRecord record{.baseVersion = item.baseVersion,
                                  .pemsVersion = item.mirrorVersion,
                                  .baseData = changes->baseData.value_or(model::FieldMap{}),
                                  .localData = item.delta,
                                  .pemsData = item.mirrorData,
                                  .fields = {}};
        if (item.operation == Operation::Delete) {
            // Deleting a record someone changed meanwhile is a decision for a person.
            record.fields = changes->foreignChanges;
            m_plan.conflicts.push_back({item, std::move(record)});
            return Verdict::Conflict;
        }
        const ConflictVerdict verdict =
            ConflictDetector::check({.base = record.baseData,
                                     .baseKnown = false,
                                     .current = item.mirrorData,
                                     .changedSinceBase = changes->foreignChanges,
                                     .localDelta = item.delta});
        if (verdict.kind == ConflictVerdict::Kind::Conflict) {
            record.fields = verdict.conflicting;
            m_plan.conflicts.push_back({item, std::move(record)});
            return Verdict::Conflict;
        }
        record.fields = verdict.pemsChanged;
        m_plan.rebases.push_back({item, std::move(record), verdict.identical});
        return Verdict::Send;
    }

    BatchPlan& m_plan;
    const BatchPlanner::ChangesLookup& m_changesSince;
};

} // namespace

Expected<BatchPlan> BatchPlanner::plan(std::vector<db::ClaimedItem> claimed,
                                       const ChangesLookup& changesSince)
{
    BatchPlan plan;
    // The repository returns the batch grouped by record; keep that order.
    std::vector<std::vector<db::ClaimedItem>> records;
    std::map<std::pair<qint64, QString>, std::size_t> index;
    for (auto& item : claimed) {
        const auto key = std::make_pair(item.organizationId, item.pfaId);
        auto found = index.find(key);
        if (found == index.end()) {
            found = index.emplace(key, records.size()).first;
            records.emplace_back();
        }
        records[found->second].push_back(std::move(item));
    }
    for (auto& items : records) {
        RecordPlanner planner(plan, changesSince);
        auto planned = planner.plan(std::move(items));
        if (!planned)
            return std::unexpected(planned.error());
    }
    return plan;
}

} // namespace pfa::sync
