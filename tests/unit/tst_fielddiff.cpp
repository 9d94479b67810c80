#include "model/FieldDiff.h"

#include <QTest>

using namespace Qt::StringLiterals;
using namespace pfa::model;

class TestFieldDiff final : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void diffReportsChangesInCatalogOrder();
    void missingCountsAsNull();
    void identicalMapsHaveNoDiff();
    void applyDeltaOverridesAndClears();
    void changedFieldsMatchesDiff();
};

namespace {

const FieldMap Base{
    {PfaField::PfaId, u"PFA-1"_s},   {PfaField::OrganizationCode, u"RIO"_s},
    {PfaField::Source, u"Rental"_s}, {PfaField::MonthlyRate, Money::fromUnits(1000000)},
    {PfaField::IsActualized, false},
};

} // namespace

void TestFieldDiff::diffReportsChangesInCatalogOrder()
{
    FieldMap after = Base;
    after[PfaField::IsActualized] = true;
    after[PfaField::MonthlyRate] = Money::fromUnits(1250000);
    after[PfaField::Description] = u"new"_s;

    const auto changes = diffFields(Base, after);
    QCOMPARE(changes.size(), std::size_t{3});
    QCOMPARE(changes[0].field, PfaField::MonthlyRate);
    QVERIFY(changes[0].before == FieldValue{Money::fromUnits(1000000)});
    QVERIFY(changes[0].after == FieldValue{Money::fromUnits(1250000)});
    QCOMPARE(changes[1].field, PfaField::IsActualized);
    QCOMPARE(changes[2].field, PfaField::Description);
    QVERIFY(isNull(changes[2].before));
}

void TestFieldDiff::missingCountsAsNull()
{
    FieldMap withNull = Base;
    withNull[PfaField::Description] = FieldValue{};
    QVERIFY(diffFields(Base, withNull).empty());
    QVERIFY(diffFields(withNull, Base).empty());

    FieldMap removed = Base;
    removed.erase(PfaField::Source);
    const auto changes = diffFields(Base, removed);
    QCOMPARE(changes.size(), std::size_t{1});
    QCOMPARE(changes[0].field, PfaField::Source);
    QVERIFY(isNull(changes[0].after));
}

void TestFieldDiff::identicalMapsHaveNoDiff()
{
    QVERIFY(diffFields(Base, Base).empty());
    QVERIFY(diffFields({}, {}).empty());
    // Same instant, different zone: no change.
    const FieldMap a{{PfaField::ForecastStart, QDateTime(QDate(2026, 3, 1), QTime(7, 0), Qt::UTC)}};
    const FieldMap b{{PfaField::ForecastStart,
                      QDateTime(QDate(2026, 3, 1), QTime(8, 0), Qt::OffsetFromUTC, 3600)}};
    QVERIFY(diffFields(a, b).empty());
}

void TestFieldDiff::applyDeltaOverridesAndClears()
{
    const FieldMap delta{{PfaField::MonthlyRate, FieldValue{}},
                         {PfaField::Description, u"x"_s},
                         {PfaField::IsActualized, true}};
    const FieldMap result = applyDelta(Base, delta);
    QCOMPARE(result.size(), std::size_t{6});
    QVERIFY(isNull(result.at(PfaField::MonthlyRate))); // cleared, kept as explicit null
    QVERIFY(result.at(PfaField::Description) == FieldValue{u"x"_s});
    QVERIFY(result.at(PfaField::IsActualized) == FieldValue{true});
    QVERIFY(result.at(PfaField::PfaId) == Base.at(PfaField::PfaId));
    QVERIFY(applyDelta(Base, {}) == Base);
}

void TestFieldDiff::changedFieldsMatchesDiff()
{
    const FieldMap delta{{PfaField::Dor, u"BEO"_s}, {PfaField::PfaId, u"PFA-1"_s}};
    const auto fields = changedFields(Base, applyDelta(Base, delta));
    QCOMPARE(fields, std::vector<PfaField>{PfaField::Dor});
}

QTEST_APPLESS_MAIN(TestFieldDiff)
#include "tst_fielddiff.moc"
