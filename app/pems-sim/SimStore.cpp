#include "SimStore.h"

#include "SimClock.h"

#include "model/Validator.h"

#include <algorithm>

using namespace Qt::StringLiterals;

namespace pfa::sim {

using model::FieldMap;
using model::FieldValue;
using model::PfaField;

namespace {

QString keyText(const FieldMap& data, PfaField field)
{
    const auto it = data.find(field);
    if (it == data.end())
        return {};
    const auto* text = std::get_if<QString>(&it->second);
    return text ? *text : QString();
}

// The record a creation starts from: just its key, so that the history's first version lists
// every field the record was created with.
FieldMap keyOnly(const QString& organizationCode, const QString& pfaId)
{
    return {{PfaField::PfaId, pfaId}, {PfaField::OrganizationCode, organizationCode}};
}

} // namespace

SimStore::SimStore(SimClock& clock)
    : m_clock(clock)
{}

Expected<void> SimStore::create(FieldMap data, const ChangeMeta& meta)
{
    const QString pfaId = keyText(data, PfaField::PfaId);
    const QString organizationCode = keyText(data, PfaField::OrganizationCode);
    if (pfaId.isEmpty())
        return fail(ErrorCode::InvalidInput, u"a record has no pfaId"_s, u"pfaId"_s);
    if (organizationCode.isEmpty())
        return fail(ErrorCode::InvalidInput, u"record %1 has no organizationCode"_s.arg(pfaId),
                    u"organizationCode"_s);
    if (find(organizationCode, pfaId))
        return fail(ErrorCode::Conflict,
                    u"record %1 of %2 exists twice"_s.arg(pfaId, organizationCode), u"pfaId"_s);
    if (auto valid = model::Validator::check(data); !valid) {
        Error error = valid.error();
        error.message = u"record %1 of %2: %3"_s.arg(pfaId, organizationCode, error.message);
        return std::unexpected(std::move(error));
    }

    Organization& organization = m_organizations[organizationCode];
    auto record = std::make_unique<SimRecord>();
    record->organizationCode = organizationCode;
    record->pfaId = pfaId;
    record->data = keyOnly(organizationCode, pfaId);
    SimRecord& ref = *record;
    organization.records.emplace(pfaId, std::move(record));
    commit(ref, data, false, meta);
    return {};
}

const SimRecord* SimStore::find(const QString& organizationCode, const QString& pfaId) const
{
    const auto organization = m_organizations.find(organizationCode);
    if (organization == m_organizations.end())
        return nullptr;
    const auto it = organization->second.records.find(pfaId);
    return it == organization->second.records.end() ? nullptr : it->second.get();
}

SimRecord* SimStore::findMutable(const QString& organizationCode, const QString& pfaId)
{
    return const_cast<SimRecord*>(std::as_const(*this).find(organizationCode, pfaId));
}

WriteOutcome SimStore::update(const QString& organizationCode, const QString& pfaId,
                              qint64 expectedVersion, const FieldMap& changes,
                              const ChangeMeta& meta)
{
    SimRecord* record = findMutable(organizationCode, pfaId);
    if (!record || record->deleted)
        return {.kind = WriteOutcome::Kind::NotFound, .pfaId = pfaId};
    if (expectedVersion != record->version)
        return conflict(*record, expectedVersion);
    std::vector<model::ValidationIssue> issues =
        model::Validator::validateDelta(record->data, changes);
    if (!issues.empty()) {
        return {.kind = WriteOutcome::Kind::Invalid,
                .pfaId = record->pfaId,
                .issues = std::move(issues)};
    }
    commit(*record, changes, false, meta);
    return applied(*record);
}

WriteOutcome SimStore::remove(const QString& organizationCode, const QString& pfaId,
                              std::optional<qint64> expectedVersion, const ChangeMeta& meta)
{
    SimRecord* record = findMutable(organizationCode, pfaId);
    if (!record || record->deleted)
        return {.kind = WriteOutcome::Kind::NotFound, .pfaId = pfaId};
    if (expectedVersion && *expectedVersion != record->version)
        return conflict(*record, *expectedVersion);
    commit(*record, {}, true, meta);
    return applied(*record);
}

WriteOutcome SimStore::upsert(const QString& organizationCode, const QString& pfaId,
                              const FieldMap& changes, const ChangeMeta& meta)
{
    SimRecord* record = findMutable(organizationCode, pfaId);
    const bool creating = !record || record->deleted;
    const FieldMap base = creating ? keyOnly(organizationCode, pfaId) : record->data;
    std::vector<model::ValidationIssue> issues = model::Validator::validateDelta(base, changes);
    if (!issues.empty())
        return {.kind = WriteOutcome::Kind::Invalid, .pfaId = pfaId, .issues = std::move(issues)};

    if (!record) {
        auto created = std::make_unique<SimRecord>();
        created->organizationCode = organizationCode;
        created->pfaId = pfaId;
        record = created.get();
        m_organizations[organizationCode].records.emplace(pfaId, std::move(created));
    }
    if (creating)
        record->data = base; // a revived tombstone starts again from its key
    commit(*record, changes, false, meta);
    return applied(*record);
}

WriteOutcome SimStore::conflict(const SimRecord& record, qint64 expectedVersion)
{
    quint32 mask = 0;
    // history[i] is version i + 1: the versions after expectedVersion start at index expected.
    const qint64 first = std::max<qint64>(expectedVersion, 0);
    for (auto i = static_cast<std::size_t>(first); i < record.history.size(); ++i)
        mask |= record.history[i].changedMask;
    return {.kind = WriteOutcome::Kind::Conflict,
            .pfaId = record.pfaId,
            .version = record.version,
            .updatedAtMs = record.updatedAtMs,
            .deleted = record.deleted,
            .expectedVersion = expectedVersion,
            .conflictMask = mask};
}

WriteOutcome SimStore::applied(const SimRecord& record)
{
    return {.kind = WriteOutcome::Kind::Applied,
            .pfaId = record.pfaId,
            .version = record.version,
            .updatedAtMs = record.updatedAtMs,
            .deleted = record.deleted};
}

void SimStore::commit(SimRecord& record, const FieldMap& changes, bool deleted,
                      const ChangeMeta& meta)
{
    SimHistoryEntry entry;
    entry.version = record.version + 1;
    entry.deleted = deleted;
    entry.source = meta.source;
    entry.modifiedBy = intern(meta.modifiedBy);
    entry.changeReason = intern(meta.changeReason);
    for (const auto& [field, value] : changes) {
        const auto it = record.data.find(field);
        const bool wasNull = it == record.data.end() || model::isNull(it->second);
        if (wasNull ? model::isNull(value) : it->second == value)
            continue;
        entry.changedMask |= fieldBit(field);
        entry.changes.emplace_back(field, value);
        if (model::isNull(value))
            record.data.erase(it);
        else if (it != record.data.end())
            it->second = value;
        else
            record.data.emplace(field, value);
    }

    Organization& organization = m_organizations[record.organizationCode];
    const qint64 now = m_clock.nowMs();
    const ListCursor previous{record.updatedAtMs, record.sequence};
    const ListCursor next{now, ++m_sequence};
    auto node = organization.feed.extract(previous);
    if (node.empty()) {
        organization.feed.emplace(next, &record);
    } else {
        node.key() = next;
        organization.feed.insert(std::move(node));
    }

    entry.updatedAtMs = now;
    record.version = entry.version;
    record.updatedAtMs = now;
    record.sequence = next.sequence;
    record.deleted = deleted;
    record.history.push_back(std::move(entry));
}

QString SimStore::intern(const QString& text)
{
    constexpr std::size_t MaxTexts = 4096; // past this, texts are mostly unique: keep them as is
    if (text.isEmpty())
        return {};
    if (const auto it = m_texts.find(text); it != m_texts.end())
        return *it;
    if (m_texts.size() < MaxTexts)
        m_texts.insert(text);
    return text;
}

ListPage SimStore::list(const QString& organizationCode, std::optional<qint64> sinceMs,
                        std::optional<ListCursor> after, int limit) const
{
    ListPage page;
    const auto organization = m_organizations.find(organizationCode);
    if (organization == m_organizations.end())
        return page;
    const auto& feed = organization->second.feed;

    auto it = sinceMs ? feed.lower_bound(ListCursor{*sinceMs, 0}) : feed.begin();
    if (after && (it == feed.end() || !(*after < it->first)))
        it = feed.upper_bound(*after);
    page.records.reserve(static_cast<std::size_t>(std::max(limit, 0)));
    for (; it != feed.end() && static_cast<int>(page.records.size()) < limit; ++it)
        page.records.push_back(it->second);
    if (it != feed.end() && !page.records.empty()) {
        const SimRecord& last = *page.records.back();
        page.next = ListCursor{last.updatedAtMs, last.sequence};
    }
    return page;
}

std::size_t SimStore::recordCount() const
{
    std::size_t count = 0;
    for (const auto& [code, organization] : m_organizations)
        count += organization.records.size();
    return count;
}

void SimStore::forEach(const std::function<void(const SimRecord&)>& visit) const
{
    // In feed order per organization, so a snapshot lists records the way the list endpoint does.
    for (const auto& [code, organization] : m_organizations) {
        for (const auto& [cursor, record] : organization.feed)
            visit(*record);
    }
}

Expected<void> SimStore::restore(SimRecord record)
{
    if (record.pfaId.isEmpty() || record.organizationCode.isEmpty())
        return fail(ErrorCode::InvalidInput, u"a snapshot record has no pfaId or organization"_s);
    if (record.history.size() != static_cast<std::size_t>(record.version) || record.version < 1)
        return fail(ErrorCode::InvalidInput, u"record %1 of %2: version %3 but %4 history entries"_s
                                                 .arg(record.pfaId, record.organizationCode)
                                                 .arg(record.version)
                                                 .arg(record.history.size()));
    Organization& organization = m_organizations[record.organizationCode];
    if (organization.records.contains(record.pfaId))
        return fail(ErrorCode::Conflict, u"record %1 of %2 appears twice in the snapshot"_s.arg(
                                             record.pfaId, record.organizationCode));
    const ListCursor cursor{record.updatedAtMs, record.sequence};
    if (organization.feed.contains(cursor))
        return fail(ErrorCode::Conflict,
                    u"two records share change sequence %1"_s.arg(record.sequence));
    auto owned = std::make_unique<SimRecord>(std::move(record));
    organization.feed.emplace(cursor, owned.get());
    const QString pfaId = owned->pfaId;
    organization.records.emplace(pfaId, std::move(owned));
    m_sequence = std::max(m_sequence, cursor.sequence);
    m_clock.raiseTo(cursor.updatedAtMs);
    return {};
}

void SimStore::restoreSequence(quint64 sequence)
{
    m_sequence = std::max(m_sequence, sequence);
}

} // namespace pfa::sim
