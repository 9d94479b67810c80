#pragma once

#include "model/WireEnum.h"

#include <QDateTime>
#include <QString>
#include <QStringList>
#include <QtGlobal>

#include <algorithm>
#include <vector>

namespace pfa::model {

// How the mirror and PEMS disagree about one record. "Present" means a record that exists and is
// not a tombstone: a tombstone on one side and nothing on the other agree (no live record).
enum class DriftKind
{
    MissingInMirror, // live in PEMS; absent or a tombstone in the mirror
    MissingInPems,   // live in the mirror; absent or a tombstone in PEMS
    VersionMismatch, // live on both, versions differ (`fields` names what differs, if anything)
    FieldMismatch,   // live on both, same version, different values
};

template<>
struct WireNames<DriftKind>
{
    static constexpr std::array<std::pair<DriftKind, std::string_view>, 4> table{{
        {DriftKind::MissingInMirror, "missing_in_mirror"},
        {DriftKind::MissingInPems, "missing_in_pems"},
        {DriftKind::VersionMismatch, "version_mismatch"},
        {DriftKind::FieldMismatch, "field_mismatch"},
    }};
};
static_assert(detail::isCompleteWireTable(WireNames<DriftKind>::table));

struct Drift
{
    QString pfaId;
    DriftKind kind = DriftKind::FieldMismatch;
    qint64 mirrorVersion = 0; // 0: not in the mirror
    qint64 pemsVersion = 0;   // 0: not listed by PEMS
    QStringList fields;       // wire names of the fields whose values differ, catalog order

    friend bool operator==(const Drift&, const Drift&) = default;
};

// A reconciliation of one organization: every record on which mirror and PEMS disagree.
struct DriftReport
{
    qint64 organizationId = 0;
    QDateTime startedAt;
    QDateTime finishedAt;
    qint64 pemsRecords = 0;    // live records PEMS listed
    qint64 mirrorRecords = 0;  // live records in the mirror
    std::vector<Drift> drifts; // by pfaId

    [[nodiscard]] qint64 count(DriftKind kind) const
    {
        return qint64(std::ranges::count(drifts, kind, &Drift::kind));
    }
};

} // namespace pfa::model
