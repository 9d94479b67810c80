// BatchPlanner decides what a claimed batch becomes: which items go out together, which wait,
// which conflict or fail — the rules of per-record order and coalescing, without I/O.
#include "model/SampleRecords.h"
#include "sync/BatchPlanner.h"

#include <QTest>

using namespace Qt::StringLiterals;
using pfa::db::ClaimedItem;
using pfa::db::RecordChanges;
using pfa::model::FieldMap;
using pfa::model::PfaField;
using pfa::sync::BatchPlan;
using pfa::sync::BatchPlanner;

namespace {

FieldMap sampleRecord()
{
    return pfa::model::SampleRecords::generate(u"RIO"_s, 10001, 1, 3).front();
}

ClaimedItem item(qint64 queueId, FieldMap delta, qint64 baseVersion = 1)
{
    ClaimedItem claimed;
    claimed.queueId = queueId;
    claimed.modificationId = 100 + queueId;
    claimed.organizationId = 1;
    claimed.organizationCode = u"RIO"_s;
    claimed.pfaId = u"PFA-10001"_s;
    claimed.baseVersion = baseVersion;
    claimed.delta = std::move(delta);
    claimed.mirrorId = 7;
    claimed.mirrorVersion = 1;
    claimed.mirrorData = sampleRecord();
    claimed.idempotencyKey = u"00000000-0000-4000-8000-%1"_s.arg(queueId, 12, 10, QChar(u'0'));
    return claimed;
}

FieldMap description(const QString& text)
{
    return {{PfaField::Description, text}};
}

// Fails the test if asked: these plans must not need the history.
BatchPlanner::ChangesLookup noHistory()
{
    return [](const ClaimedItem&) -> pfa::Expected<RecordChanges> {
        return pfa::fail(pfa::ErrorCode::Internal, u"history was not expected to be read"_s);
    };
}

BatchPlan plan(std::vector<ClaimedItem> items,
               const BatchPlanner::ChangesLookup& lookup = noHistory())
{
    auto planned = BatchPlanner::plan(std::move(items), lookup);
    if (!planned)
        qFatal("%s", qPrintable(planned.error().message));
    return std::move(*planned);
}

std::vector<qint64> queueIds(const std::vector<ClaimedItem>& items)
{
    std::vector<qint64> ids;
    for (const auto& claimed : items)
        ids.push_back(claimed.queueId);
    return ids;
}

} // namespace

class tst_BatchPlanner : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void itemsReadyTogetherGoOutAsOneRequestInCommitOrder()
    {
        const BatchPlan result = plan({item(1, description(u"a"_s)), item(2, description(u"b"_s)),
                                       item(3, {{PfaField::Manufacturer, u"Caterpillar"_s}})});
        QCOMPARE(result.groups.size(), std::size_t(1));
        const auto& group = result.groups.front();
        QCOMPARE(queueIds(group.items), (std::vector<qint64>{1, 2, 3}));
        QCOMPARE(group.version, qint64(1));
        // The later change of a field wins; other fields accumulate.
        QCOMPARE(std::get<QString>(group.merged.at(PfaField::Description)), u"b"_s);
        QCOMPARE(std::get<QString>(group.merged.at(PfaField::Manufacturer)), u"Caterpillar"_s);
        QVERIFY(result.release.empty());
    }

    void aDeleteAlwaysGoesAlone()
    {
        auto remove = item(2, {});
        remove.operation = pfa::model::Operation::Delete;
        BatchPlan result =
            plan({item(1, description(u"a"_s)), remove, item(3, description(u"c"_s))});
        QCOMPARE(result.groups.size(), std::size_t(1));
        QCOMPARE(queueIds(result.groups.front().items), std::vector<qint64>{1});
        QCOMPARE(result.release, (std::vector<qint64>{2, 3}));

        auto head = item(4, {});
        head.operation = pfa::model::Operation::Delete;
        result = plan({head, item(5, description(u"e"_s))});
        QCOMPARE(queueIds(result.groups.front().items), std::vector<qint64>{4});
        QCOMPARE(result.release, std::vector<qint64>{5});
    }

    // A retry repeats the request that went out under the head's key: the same items and the
    // same version, whatever joined the queue since (PEMS may have applied the first one).
    void aRetryRepeatsTheRequestExactly()
    {
        auto head = item(1, description(u"a"_s));
        head.sentVersion = 1;
        auto member = item(2, description(u"b"_s));
        member.sentVersion = 1;
        member.coalescedInto = 1;
        auto newcomer = item(3, description(u"c"_s));
        head.mirrorVersion = member.mirrorVersion = newcomer.mirrorVersion = 4; // pulled since
        const BatchPlan result = plan({head, member, newcomer});
        QCOMPARE(result.groups.size(), std::size_t(1));
        QCOMPARE(queueIds(result.groups.front().items), (std::vector<qint64>{1, 2}));
        QCOMPARE(result.groups.front().version, qint64(1));
        QCOMPARE(result.release, std::vector<qint64>{3});
    }

    void anItemThatLeftTheQueueIsRetired()
    {
        auto discarded = item(1, description(u"a"_s));
        discarded.modificationStatus = pfa::model::SyncStatus::Discarded;
        const BatchPlan result = plan({discarded, item(2, description(u"b"_s))});
        QCOMPARE(result.retire, std::vector<qint64>{1});
        QCOMPARE(queueIds(result.groups.front().items), std::vector<qint64>{2});
    }

    // An invalid change fails with the rule named and holds the record's later changes; the
    // earlier ones still go.
    void anInvalidChangeFailsAndHoldsTheRest()
    {
        const auto start = std::get<QDateTime>(sampleRecord().at(PfaField::ForecastStart));
        const BatchPlan result = plan({item(1, description(u"a"_s)),
                                       item(2, {{PfaField::ForecastEnd, start.addDays(-1)}}),
                                       item(3, description(u"c"_s))});
        QCOMPARE(queueIds(result.groups.front().items), std::vector<qint64>{1});
        QCOMPARE(result.failures.size(), std::size_t(1));
        QCOMPARE(result.failures.front().item.queueId, qint64(2));
        QVERIFY2(result.failures.front().error.contains(u"forecastEnd"_s),
                 qPrintable(result.failures.front().error));
        QCOMPARE(result.release, std::vector<qint64>{3});
    }

    void aRecordDeletedInPemsFails()
    {
        auto gone = item(1, description(u"a"_s));
        gone.mirrorDeleted = true;
        const BatchPlan result = plan({gone});
        QVERIFY(result.groups.empty());
        QCOMPARE(result.failures.size(), std::size_t(1));
        QVERIFY(result.failures.front().error.contains(u"deleted in PEMS"_s));
    }

    // Base older than the mirror: what PEMS changed decides.
    void pemsChangesSinceTheBaseDecide()
    {
        auto lookup = [](std::vector<PfaField> foreign) -> BatchPlanner::ChangesLookup {
            return [foreign](const ClaimedItem&) -> pfa::Expected<RecordChanges> {
                return RecordChanges{.baseData = sampleRecord(), .foreignChanges = foreign};
            };
        };
        auto stale = item(1, description(u"mine"_s), /*baseVersion=*/1);
        stale.mirrorVersion = 3;
        stale.mirrorData[PfaField::Description] = u"theirs"_s;

        // Only our own earlier writes since the base: just send, on top of version 3.
        BatchPlan result = plan({stale}, lookup({}));
        QCOMPARE(result.groups.front().version, qint64(3));
        QVERIFY(result.rebases.empty());

        // PEMS changed another field: rebase (recorded) and send.
        result = plan({stale}, lookup({PfaField::Manufacturer}));
        QCOMPARE(result.rebases.size(), std::size_t(1));
        QCOMPARE(result.rebases.front().record.fields,
                 std::vector<PfaField>{PfaField::Manufacturer});
        QCOMPARE(result.groups.size(), std::size_t(1));

        // PEMS changed the same field to something else: a conflict holding what follows.
        result = plan({stale, item(2, {{PfaField::Manufacturer, u"Volvo"_s}})},
                      lookup({PfaField::Description}));
        QVERIFY(result.groups.empty());
        QCOMPARE(result.conflicts.size(), std::size_t(1));
        QCOMPARE(result.conflicts.front().record.fields,
                 std::vector<PfaField>{PfaField::Description});
        QCOMPARE(result.conflicts.front().record.pemsVersion, qint64(3));
        QCOMPARE(result.release, std::vector<qint64>{2});
    }

    void recordsArePlannedIndependently()
    {
        auto other = item(2, description(u"b"_s));
        other.pfaId = u"PFA-10002"_s;
        const BatchPlan result = plan({item(1, description(u"a"_s)), other});
        QCOMPARE(result.groups.size(), std::size_t(2));
    }
};

QTEST_GUILESS_MAIN(tst_BatchPlanner)
#include "tst_batchplanner.moc"
