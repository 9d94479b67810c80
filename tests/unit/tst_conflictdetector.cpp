#include "sync/ConflictDetector.h"

#include <QTest>

using namespace Qt::StringLiterals;
using namespace pfa::model;
using pfa::sync::ConflictDetector;
using pfa::sync::ConflictInput;
using pfa::sync::ConflictVerdict;

using Fields = std::vector<PfaField>;

namespace {

Money money(QStringView text)
{
    const auto parsed = Money::parse(text);
    if (!parsed)
        qFatal("bad money literal in the test: %s", qPrintable(parsed.error().toString()));
    return *parsed;
}

QDateTime utc(int y, int m, int d)
{
    return QDateTime(QDate(y, m, d), QTime(0, 0), Qt::UTC);
}

const FieldMap Base{
    {PfaField::PfaId, u"PFA-1"_s},
    {PfaField::OrganizationCode, u"RIO"_s},
    {PfaField::Category, u"Cranes"_s},
    {PfaField::MonthlyRate, money(u"1000.00")},
    {PfaField::ForecastEnd, utc(2026, 6, 30)},
    {PfaField::IsActualized, false},
    {PfaField::Description, u"Mobile crane"_s},
};

} // namespace

class TestConflictDetector final : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void baseUnchangedRebases();
    void disjointFieldsRebase();
    void identicalOverlapRebases();
    void realOverlapConflictsListingExactlyThoseFields();
    void nullAndMissingAreTheSame();
    void clearingConflictsWithAValue();
    void unknownBaseUsesChangedSinceBase();
    void unknownBaseIdenticalValueRebases();
    void moneyComparedExactly();
};

void TestConflictDetector::baseUnchangedRebases()
{
    const auto verdict = ConflictDetector::check(
        {.base = Base, .current = Base, .localDelta = {{PfaField::Category, u"Trucks"_s}}});
    QVERIFY(verdict.kind == ConflictVerdict::Kind::Rebase);
    QVERIFY(verdict.pemsChanged.empty());
    QVERIFY(verdict.identical.empty());
    QVERIFY(verdict.conflicting.empty());
}

void TestConflictDetector::disjointFieldsRebase()
{
    FieldMap current = Base;
    current[PfaField::Description] = u"Mobile crane, 60 t"_s;
    current[PfaField::IsActualized] = true;

    const auto verdict =
        ConflictDetector::check({.base = Base,
                                 .current = current,
                                 .localDelta = {{PfaField::ForecastEnd, utc(2026, 7, 31)},
                                                {PfaField::Category, u"Trucks"_s}}});
    QVERIFY(verdict.kind == ConflictVerdict::Kind::Rebase);
    QCOMPARE(verdict.pemsChanged, (Fields{PfaField::IsActualized, PfaField::Description}));
    QVERIFY(verdict.identical.empty());
    QVERIFY(verdict.conflicting.empty());
}

void TestConflictDetector::identicalOverlapRebases()
{
    FieldMap current = Base;
    current[PfaField::ForecastEnd] = utc(2026, 7, 31);
    current[PfaField::Description] = u"Mobile crane, 60 t"_s;

    // The same instant written in another zone is the same value.
    const QDateTime sameInstant = utc(2026, 7, 31).toOffsetFromUtc(2 * 3600);
    const auto verdict = ConflictDetector::check(
        {.base = Base,
         .current = current,
         .localDelta = {{PfaField::ForecastEnd, sameInstant}, {PfaField::Category, u"Trucks"_s}}});
    QVERIFY(verdict.kind == ConflictVerdict::Kind::Rebase);
    QCOMPARE(verdict.pemsChanged, (Fields{PfaField::ForecastEnd, PfaField::Description}));
    QCOMPARE(verdict.identical, Fields{PfaField::ForecastEnd});
    QVERIFY(verdict.conflicting.empty());
}

void TestConflictDetector::realOverlapConflictsListingExactlyThoseFields()
{
    FieldMap current = Base;
    current[PfaField::Description] = u"PEMS text"_s;
    current[PfaField::MonthlyRate] = money(u"1100.00");
    current[PfaField::ForecastEnd] = utc(2026, 7, 31);
    current[PfaField::IsActualized] = true;

    // Delta inserted out of catalog order on purpose; IsActualized is identical, Category is
    // untouched by PEMS, the other two really conflict.
    FieldMap delta;
    delta[PfaField::Description] = u"Local text"_s;
    delta[PfaField::IsActualized] = true;
    delta[PfaField::Category] = u"Trucks"_s;
    delta[PfaField::MonthlyRate] = money(u"1200");

    const auto verdict =
        ConflictDetector::check({.base = Base, .current = current, .localDelta = delta});
    QVERIFY(verdict.kind == ConflictVerdict::Kind::Conflict);
    QCOMPARE(verdict.pemsChanged, (Fields{PfaField::MonthlyRate, PfaField::ForecastEnd,
                                          PfaField::IsActualized, PfaField::Description}));
    QCOMPARE(verdict.identical, Fields{PfaField::IsActualized});
    QCOMPARE(verdict.conflicting, (Fields{PfaField::MonthlyRate, PfaField::Description}));
}

void TestConflictDetector::nullAndMissingAreTheSame()
{
    // Base says null explicitly, PEMS leaves the key out: PEMS changed nothing.
    FieldMap base = Base;
    base[PfaField::Manufacturer] = FieldValue{};
    {
        const auto verdict =
            ConflictDetector::check({.base = base,
                                     .current = Base,
                                     .localDelta = {{PfaField::Manufacturer, u"Liebherr"_s}}});
        QVERIFY(verdict.kind == ConflictVerdict::Kind::Rebase);
        QVERIFY(verdict.pemsChanged.empty());
    }
    // PEMS cleared the field by dropping the key; the local change clears it with an explicit
    // null: the same value, so no conflict.
    FieldMap current = Base;
    current.erase(PfaField::Description);
    const auto verdict = ConflictDetector::check(
        {.base = Base, .current = current, .localDelta = {{PfaField::Description, FieldValue{}}}});
    QVERIFY(verdict.kind == ConflictVerdict::Kind::Rebase);
    QCOMPARE(verdict.pemsChanged, Fields{PfaField::Description});
    QCOMPARE(verdict.identical, Fields{PfaField::Description});
    QVERIFY(verdict.conflicting.empty());
}

void TestConflictDetector::clearingConflictsWithAValue()
{
    FieldMap current = Base;
    current.erase(PfaField::Description); // PEMS cleared it
    const auto verdict = ConflictDetector::check(
        {.base = Base, .current = current, .localDelta = {{PfaField::Description, u"Local"_s}}});
    QVERIFY(verdict.kind == ConflictVerdict::Kind::Conflict);
    QCOMPARE(verdict.conflicting, Fields{PfaField::Description});
}

void TestConflictDetector::unknownBaseUsesChangedSinceBase()
{
    // `base` is stale garbage that must be ignored: diffing it would claim every field changed.
    FieldMap current = Base;
    current[PfaField::Description] = u"PEMS text"_s;
    current[PfaField::Category] = u"Cranes, heavy"_s;

    const auto verdict = ConflictDetector::check(
        {.base = {},
         .baseKnown = false,
         .current = current,
         // History rows repeat and are unordered; the verdict lists each field once, in order.
         .changedSinceBase = {PfaField::Description, PfaField::Category, PfaField::Description},
         .localDelta = {{PfaField::Description, u"Local text"_s},
                        {PfaField::ForecastEnd, utc(2026, 7, 31)}}});
    QVERIFY(verdict.kind == ConflictVerdict::Kind::Conflict);
    QCOMPARE(verdict.pemsChanged, (Fields{PfaField::Category, PfaField::Description}));
    QVERIFY(verdict.identical.empty());
    QCOMPARE(verdict.conflicting, Fields{PfaField::Description});
}

void TestConflictDetector::unknownBaseIdenticalValueRebases()
{
    FieldMap current = Base;
    current[PfaField::ForecastEnd] = utc(2026, 7, 31);
    const auto verdict =
        ConflictDetector::check({.base = Base, // a base that would say "no change" if used
                                 .baseKnown = false,
                                 .current = current,
                                 .changedSinceBase = {PfaField::ForecastEnd, PfaField::PfaId},
                                 .localDelta = {{PfaField::ForecastEnd, utc(2026, 7, 31)},
                                                {PfaField::Description, u"Local"_s}}});
    QVERIFY(verdict.kind == ConflictVerdict::Kind::Rebase);
    QCOMPARE(verdict.pemsChanged, (Fields{PfaField::PfaId, PfaField::ForecastEnd}));
    QCOMPARE(verdict.identical, Fields{PfaField::ForecastEnd});
    QVERIFY(verdict.conflicting.empty());
}

void TestConflictDetector::moneyComparedExactly()
{
    FieldMap current = Base;
    current[PfaField::MonthlyRate] = money(u"10.50");
    {
        const auto verdict =
            ConflictDetector::check({.base = Base,
                                     .current = current,
                                     .localDelta = {{PfaField::MonthlyRate, money(u"10.5")}}});
        QVERIFY(verdict.kind == ConflictVerdict::Kind::Rebase);
        QCOMPARE(verdict.identical, Fields{PfaField::MonthlyRate});
    }
    // One ten-thousandth apart is a different amount.
    const auto verdict =
        ConflictDetector::check({.base = Base,
                                 .current = current,
                                 .localDelta = {{PfaField::MonthlyRate, money(u"10.5001")}}});
    QVERIFY(verdict.kind == ConflictVerdict::Kind::Conflict);
    QCOMPARE(verdict.conflicting, Fields{PfaField::MonthlyRate});
}

QTEST_GUILESS_MAIN(TestConflictDetector)
#include "tst_conflictdetector.moc"
