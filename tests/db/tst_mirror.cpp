#include "db/MirrorRepository.h"
#include "db/OrganizationRepository.h"
#include "support/TestDatabase.h"
#include "support/Verify.h"

#include <QTest>

using namespace Qt::StringLiterals;
using pfa::model::FieldMap;
using pfa::model::HistorySource;
using pfa::model::PfaField;

Q_DECLARE_METATYPE(pfa::model::FieldMap)

namespace pfa::test {

namespace {

QStringList names(const std::vector<PfaField>& fields)
{
    QStringList list;
    for (const PfaField field : fields)
        list << model::wireName(field);
    return list;
}

QStringList keys(const FieldMap& data)
{
    QStringList list;
    for (const auto& [field, value] : data) {
        if (!model::isNull(value))
            list << model::wireName(field);
    }
    return list;
}

QString text(const FieldMap& data, PfaField field)
{
    return model::fieldValueToDisplayString(model::valueOf(data, field));
}

} // namespace

class TstMirror final : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void init();
    void cleanup();

    void firstVersionIsStoredWithEveryFieldInItsHistory();
    void newerVersionRecordsExactlyTheChangedFields_data();
    void newerVersionRecordsExactlyTheChangedFields();
    void olderOrEqualVersionChangesNothing_data();
    void olderOrEqualVersionChangesNothing();
    void historyListsEveryVersionInOrder();
    void samePfaIdInTwoOrganizationsAreTwoRecords();

private:
    Expected<model::MirrorRecord> store(qint64 version, const FieldMap& data,
                                        HistorySource source = HistorySource::Pull,
                                        const QString& actor = u"pems"_s);

    std::unique_ptr<TestDatabase> m_db;
    qint64 m_organizationId = 0;
    FieldMap m_base; // PFA-20001 as PEMS first sends it
};

void TstMirror::init()
{
    auto created = TestDatabase::create();
    PFA_VERIFY_OK(created);
    m_db = std::move(*created);
    auto organization = db::OrganizationRepository(m_db->connection())
                            .create(u"RIO"_s, u"Rio Tinto Works"_s, u"test"_s);
    PFA_VERIFY_OK(organization);
    m_organizationId = organization->id;
    m_base = TestDatabase::sampleRecord(u"RIO"_s, 20001);
}

void TstMirror::cleanup()
{
    m_db.reset();
}

Expected<model::MirrorRecord> TstMirror::store(qint64 version, const FieldMap& data,
                                               HistorySource source, const QString& actor)
{
    return db::MirrorRepository(m_db->connection())
        .store(
            {.organizationId = m_organizationId,
             .pfaId = u"PFA-20001"_s,
             .version = version,
             .data = data,
             .pemsUpdatedAt = QDateTime(QDate(2026, 3, 1), QTime(8, 30), Qt::UTC).addDays(version),
             .source = source,
             .actor = actor});
}

void TstMirror::firstVersionIsStoredWithEveryFieldInItsHistory()
{
    const auto stored = store(1, m_base);
    PFA_VERIFY_OK(stored);
    QVERIFY(stored->id > 0);
    QCOMPARE(stored->organizationId, m_organizationId);
    QCOMPARE(stored->pfaId, u"PFA-20001"_s);
    QCOMPARE(stored->version, 1);
    QVERIFY(stored->data == m_base);
    QCOMPARE(stored->pemsUpdatedAt, QDateTime(QDate(2026, 3, 2), QTime(8, 30), Qt::UTC));

    const auto found =
        db::MirrorRepository(m_db->connection()).find(m_organizationId, u"PFA-20001"_s);
    PFA_VERIFY_OK(found);
    QVERIFY(found->has_value());
    QVERIFY(**found == *stored);

    const auto history = db::MirrorRepository(m_db->connection()).history(stored->id);
    PFA_VERIFY_OK(history);
    QCOMPARE(history->size(), 1u);
    const model::MirrorHistoryEntry& first = history->front();
    QCOMPARE(first.mirrorId, stored->id);
    QCOMPARE(first.version, 1);
    QVERIFY(first.data == m_base);
    QCOMPARE(names(first.changedFields), keys(m_base));
    QCOMPARE(first.source, HistorySource::Pull);
    QCOMPARE(first.actor, u"pems"_s);
    QVERIFY(first.recordedAt.isValid());
}

void TstMirror::newerVersionRecordsExactlyTheChangedFields_data()
{
    QTest::addColumn<qint64>("version");
    QTest::addColumn<FieldMap>("data");
    QTest::addColumn<QStringList>("changed");

    const FieldMap base = TestDatabase::sampleRecord(u"RIO"_s, 20001);
    const auto forecastEnd = std::get<QDateTime>(base.at(PfaField::ForecastEnd));

    FieldMap moved = base;
    moved[PfaField::ForecastEnd] = forecastEnd.addDays(14);
    QTest::newRow("one date moved") << qint64(2) << moved << QStringList{u"forecastEnd"_s};

    FieldMap two = base;
    two[PfaField::Manufacturer] = u"Liebherr"_s;
    two[PfaField::Description] = text(base, PfaField::Description) + u" (rebuilt)"_s;
    QTest::newRow("two texts") << qint64(2) << two
                               << QStringList{u"manufacturer"_s, u"description"_s};

    FieldMap cleared = base;
    cleared.erase(PfaField::Description);
    QTest::newRow("field cleared") << qint64(2) << cleared << QStringList{u"description"_s};

    FieldMap flags = base;
    flags[PfaField::IsDiscontinued] = !std::get<bool>(base.at(PfaField::IsDiscontinued));
    QTest::newRow("flag flipped") << qint64(2) << flags << QStringList{u"isDiscontinued"_s};

    FieldMap otherZone = base;
    otherZone[PfaField::ForecastEnd] = forecastEnd.toOffsetFromUtc(5 * 3600);
    otherZone[PfaField::Model] = u"LTM 1100-5.2"_s;
    QTest::newRow("same instant in another zone is no change")
        << qint64(2) << otherZone << QStringList{u"model"_s};

    QTest::newRow("new version, same values") << qint64(2) << base << QStringList{};
    QTest::newRow("versions skipped") << qint64(7) << moved << QStringList{u"forecastEnd"_s};
}

void TstMirror::newerVersionRecordsExactlyTheChangedFields()
{
    QFETCH(qint64, version);
    QFETCH(FieldMap, data);
    QFETCH(QStringList, changed);

    const auto first = store(1, m_base);
    PFA_VERIFY_OK(first);
    const auto second = store(version, data, HistorySource::Write, u"pat@rio.example"_s);
    PFA_VERIFY_OK(second);
    QCOMPARE(second->id, first->id);
    QCOMPARE(second->version, version);
    QVERIFY(second->data == data);

    const auto found =
        db::MirrorRepository(m_db->connection()).find(m_organizationId, u"PFA-20001"_s);
    PFA_VERIFY_OK(found);
    QVERIFY(found->has_value() && (*found)->data == data);
    QCOMPARE((*found)->version, version);

    const auto history = db::MirrorRepository(m_db->connection()).history(first->id);
    PFA_VERIFY_OK(history);
    QCOMPARE(history->size(), 2u);
    QCOMPARE(history->at(0).version, 1);
    QVERIFY(history->at(0).data == m_base);
    QCOMPARE(history->at(1).version, version);
    QVERIFY(history->at(1).data == data);
    QCOMPARE(names(history->at(1).changedFields), changed);
    QCOMPARE(history->at(1).source, HistorySource::Write);
    QCOMPARE(history->at(1).actor, u"pat@rio.example"_s);
}

void TstMirror::olderOrEqualVersionChangesNothing_data()
{
    QTest::addColumn<qint64>("version");
    QTest::newRow("equal version") << qint64(3);
    QTest::newRow("older version") << qint64(2);
    QTest::newRow("first version again") << qint64(1);
}

void TstMirror::olderOrEqualVersionChangesNothing()
{
    QFETCH(qint64, version);

    PFA_VERIFY_OK(store(1, m_base));
    FieldMap current = m_base;
    current[PfaField::Description] = u"Held at version 3"_s;
    const auto held = store(3, current);
    PFA_VERIFY_OK(held);

    // A late page of an earlier pull carries other values: the mirror must not move back.
    FieldMap stale = m_base;
    stale[PfaField::Description] = u"Stale copy"_s;
    const auto result = store(version, stale);
    PFA_VERIFY_OK(result);
    QVERIFY(*result == *held);

    const auto found =
        db::MirrorRepository(m_db->connection()).find(m_organizationId, u"PFA-20001"_s);
    PFA_VERIFY_OK(found);
    QVERIFY(found->has_value() && **found == *held);
    QCOMPARE(text((*found)->data, PfaField::Description), u"Held at version 3"_s);

    const auto history = db::MirrorRepository(m_db->connection()).history(held->id);
    PFA_VERIFY_OK(history);
    QCOMPARE(history->size(), 2u);
    QCOMPARE(history->back().version, 3);
    QCOMPARE(text(history->back().data, PfaField::Description), u"Held at version 3"_s);
}

void TstMirror::historyListsEveryVersionInOrder()
{
    FieldMap data = m_base;
    const auto first = store(1, data, HistorySource::Pull, u"pems"_s);
    PFA_VERIFY_OK(first);
    data[PfaField::Model] = u"Model B"_s;
    PFA_VERIFY_OK(store(2, data, HistorySource::Write, u"pat@rio.example"_s));
    data[PfaField::Model] = u"Model C"_s;
    data[PfaField::EquipmentId] = u"EQ-RIO-C"_s;
    PFA_VERIFY_OK(store(4, data, HistorySource::Pull, u"pems"_s));
    data[PfaField::Model] = u"Model B"_s;
    PFA_VERIFY_OK(store(5, data, HistorySource::Rollback, u"ana@rio.example"_s));
    PFA_VERIFY_OK(store(3, m_base)); // late and ignored

    const auto history = db::MirrorRepository(m_db->connection()).history(first->id);
    PFA_VERIFY_OK(history);
    QStringList summary;
    for (const auto& entry : *history) {
        summary << u"v%1 %2 %3 [%4] %5"_s.arg(entry.version)
                       .arg(model::toWire(entry.source), entry.actor,
                            names(entry.changedFields).join(u','),
                            text(entry.data, PfaField::Model));
    }
    const QString firstModel = text(m_base, PfaField::Model);
    QCOMPARE(summary, (QStringList{
                          u"v1 pull pems [%1] %2"_s.arg(keys(m_base).join(u','), firstModel),
                          u"v2 write pat@rio.example [model] Model B"_s,
                          u"v4 pull pems [model,equipmentId] Model C"_s,
                          u"v5 rollback ana@rio.example [model] Model B"_s,
                      }));
    for (size_t i = 1; i < history->size(); ++i)
        QVERIFY(history->at(i - 1).recordedAt <= history->at(i).recordedAt);
}

void TstMirror::samePfaIdInTwoOrganizationsAreTwoRecords()
{
    auto other = db::OrganizationRepository(m_db->connection())
                     .create(u"BHP"_s, u"BHP Iron Ore"_s, u"test"_s);
    PFA_VERIFY_OK(other);
    const auto ours = store(1, m_base);
    PFA_VERIFY_OK(ours);
    FieldMap theirsData = m_base;
    theirsData[PfaField::OrganizationCode] = u"BHP"_s;
    const db::MirrorRepository mirror(m_db->connection());
    const auto theirs = mirror.store({.organizationId = other->id,
                                      .pfaId = u"PFA-20001"_s,
                                      .version = 9,
                                      .data = theirsData,
                                      .actor = u"pems"_s});
    PFA_VERIFY_OK(theirs);
    QVERIFY(theirs->id != ours->id);
    QCOMPARE(theirs->version, 9);

    const auto stillOurs = mirror.find(m_organizationId, u"PFA-20001"_s);
    PFA_VERIFY_OK(stillOurs);
    QCOMPARE((*stillOurs)->version, 1);
    QCOMPARE(text((*stillOurs)->data, PfaField::OrganizationCode), u"RIO"_s);
    QCOMPARE(mirror.count(m_organizationId).value_or(-1), 1);
    QCOMPARE(mirror.count(other->id).value_or(-1), 1);
    QCOMPARE(mirror.history(ours->id).value_or(std::vector<model::MirrorHistoryEntry>{}).size(),
             1u);
}

} // namespace pfa::test

QTEST_GUILESS_MAIN(pfa::test::TstMirror)
#include "tst_mirror.moc"
