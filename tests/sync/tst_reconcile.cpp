// Reconciliation end to end: drift injected on both sides (records missing in the mirror or in
// PEMS, versions and values that differ) is found exactly — nothing missed, nothing extra — and
// the repair makes the mirror equal to PEMS, each record's repair audited.
#include "WritePathTestCase.h"

#include "db/MirrorRepository.h"
#include "db/Sql.h"
#include "sync/Reconciler.h"

#include <QNetworkAccessManager>

using namespace Qt::StringLiterals;
using namespace std::chrono_literals;
using pfa::model::Drift;
using pfa::model::DriftKind;
using pfa::model::DriftReport;
using pfa::sync::Reconciler;
using pfa::sync::RepairResult;

namespace pfa::test {

class TstReconcile : public WritePathTestCase
{
    Q_OBJECT

private:
    std::unique_ptr<Reconciler> makeReconciler(int pageSize = 4)
    {
        sync::ReadSyncConfig config;
        config.pems.baseUrl = world().sim().baseUrl();
        config.pems.apiKey = QString::fromLatin1(PemsSimProcess::defaultApiKey());
        config.pems.timeout = 5000ms;
        config.pageSize = pageSize;
        config.actor = u"reconcile-test"_s;
        return std::make_unique<Reconciler>(world().db().database(), &m_network, config);
    }

    Expected<DriftReport> report(Reconciler& reconciler)
    {
        std::optional<Expected<DriftReport>> answer;
        reconciler.report(rio(), this, [&](Expected<DriftReport> result) { answer = result; });
        if (!QTest::qWaitFor([&] { return answer.has_value(); }, 30000))
            return fail(ErrorCode::Io, u"the reconciliation did not finish"_s);
        return *answer;
    }

    Expected<RepairResult> repair(Reconciler& reconciler, const DriftReport& drift,
                                  const QStringList& pfaIds = {})
    {
        std::optional<Expected<RepairResult>> answer;
        reconciler.repair(drift, pfaIds, this,
                          [&](Expected<RepairResult> result) { answer = result; });
        if (!QTest::qWaitFor([&] { return answer.has_value(); }, 30000))
            return fail(ErrorCode::Io, u"the repair did not finish"_s);
        return *answer;
    }

    qint64 rio() { return world().organizationId(u"RIO"_s); }

    bool sql(const QString& statement, std::initializer_list<db::SqlParam> params = {})
    {
        return db::runQuery(world().db().connection(), u"inject drift", statement, params)
            .has_value();
    }

    // Six drifted records, one or two of each kind.
    std::vector<Drift> injectDrift()
    {
        const auto org = rio();
        // Missing in the mirror: a mirror row gone, and a record only PEMS has.
        if (!sql(u"DELETE FROM pfa_mirror WHERE organization_id = :org AND pfa_id = 'PFA-10003'"_s,
                 {{"org"_L1, org}}))
            return {};
        auto created = model::fieldMapToJson(world().record(u"RIO"_s, 10001));
        created["pfaId"] = "PFA-20001";
        if (!world().sim().editRecord(u"RIO"_s, u"PFA-20001"_s, created))
            return {};
        // Missing in PEMS: a mirror row PEMS never had, and a record PEMS deleted.
        if (!sql(u"INSERT INTO pfa_mirror (organization_id, pfa_id, version, data)"
                 " SELECT organization_id, 'PFA-30001', 4, data || '{\"pfaId\": \"PFA-30001\"}'"
                 "   FROM pfa_mirror WHERE organization_id = :org AND pfa_id = 'PFA-10002'"_s,
                 {{"org"_L1, org}}))
            return {};
        auto deleted = world().sim().deleteRecord(u"RIO"_s, SyncFixture::pfaId(10005));
        if (!deleted)
            return {};
        // PEMS moved on; and a value the mirror holds differently at the same version.
        auto edited = world().sim().editRecord(u"RIO"_s, SyncFixture::pfaId(10007),
                                               {{"description", "PEMS wording"}});
        if (!edited)
            return {};
        if (!sql(u"UPDATE pfa_mirror SET data = jsonb_set(data, '{model}', '\"X-1\"')"
                 " WHERE organization_id = :org AND pfa_id = 'PFA-10009'"_s,
                 {{"org"_L1, org}}))
            return {};
        return {
            {.pfaId = u"PFA-10003"_s, .kind = DriftKind::MissingInMirror, .pemsVersion = 1},
            {.pfaId = u"PFA-10005"_s,
             .kind = DriftKind::MissingInPems,
             .mirrorVersion = 1,
             .pemsVersion = *deleted},
            {.pfaId = u"PFA-10007"_s,
             .kind = DriftKind::VersionMismatch,
             .mirrorVersion = 1,
             .pemsVersion = *edited,
             .fields = {u"description"_s}},
            {.pfaId = u"PFA-10009"_s,
             .kind = DriftKind::FieldMismatch,
             .mirrorVersion = 1,
             .pemsVersion = 1,
             .fields = {u"model"_s}},
            {.pfaId = u"PFA-20001"_s, .kind = DriftKind::MissingInMirror, .pemsVersion = 1},
            {.pfaId = u"PFA-30001"_s, .kind = DriftKind::MissingInPems, .mirrorVersion = 4},
        };
    }

    QNetworkAccessManager m_network;

private Q_SLOTS:
    void cleanup() { tearDownWorld(); }

    void mirrorAndPemsInStepHaveNoDrift()
    {
        SET_UP_WORLD();
        auto reconciler = makeReconciler();
        auto found = report(*reconciler);
        PFA_VERIFY_OK(found);
        QVERIFY(found->drifts.empty());
        QCOMPARE(found->pemsRecords, qint64(10));
        QCOMPARE(found->mirrorRecords, qint64(10));
    }

    // Every injected difference is found, with the fields named, and nothing else.
    void findsInjectedDriftExactly()
    {
        SET_UP_WORLD();
        const auto expected = injectDrift();
        QCOMPARE(expected.size(), std::size_t(6));
        auto reconciler = makeReconciler();
        auto found = report(*reconciler);
        PFA_VERIFY_OK(found);
        QCOMPARE(found->drifts, expected);
        QCOMPARE(found->count(DriftKind::MissingInMirror), qint64(2));
        QCOMPARE(found->count(DriftKind::MissingInPems), qint64(2));
        QCOMPARE(found->pemsRecords, qint64(10));   // 10 seeded - 1 deleted + 1 created
        QCOMPARE(found->mirrorRecords, qint64(10)); // 10 seeded - 1 removed + 1 added
    }

    // Repairing one record changes just that one; repairing the rest leaves no drift, the mirror
    // equal to PEMS, and an audit row per repaired record.
    void repairMakesTheMirrorEqualToPems()
    {
        SET_UP_WORLD();
        QCOMPARE(injectDrift().size(), std::size_t(6));
        auto reconciler = makeReconciler();
        auto found = report(*reconciler);
        PFA_VERIFY_OK(found);

        auto one = repair(*reconciler, *found, {u"PFA-10007"_s});
        PFA_VERIFY_OK(one);
        QCOMPARE(one->repaired, 1);
        auto after = report(*reconciler);
        PFA_VERIFY_OK(after);
        QCOMPARE(after->drifts.size(), std::size_t(5));

        auto rest = repair(*reconciler, *after);
        PFA_VERIFY_OK(rest);
        QCOMPARE(rest->repaired, 5);
        QVERIFY(rest->failed.isEmpty());
        auto clean = report(*reconciler);
        PFA_VERIFY_OK(clean);
        QVERIFY(clean->drifts.empty());

        QCOMPARE(*world().db().count(u"SELECT count(*) FROM audit_log WHERE action ="
                                     " 'mirror.repaired' AND actor = 'reconcile-test'"_s),
                 qint64(6));
        QCOMPARE(*world().db().count(u"SELECT count(*) FROM audit_log WHERE action ="
                                     " 'mirror.repaired' AND entity_id = 'PFA-10009'"
                                     " AND details ->> 'kind' = 'field_mismatch'"
                                     " AND before -> 'data' ->> 'model' = 'X-1'"_s),
                 qint64(1));
        db::MirrorRepository mirror(world().db().connection());
        auto repaired = mirror.find(rio(), u"PFA-10009"_s);
        PFA_VERIFY_OK(repaired);
        QVERIFY(repaired->has_value());
        const auto pems = model::fieldMapFromJson(
            world().sim().record(u"RIO"_s, u"PFA-10009"_s)->value("data", nlohmann::json()));
        PFA_VERIFY_OK(pems);
        QCOMPARE((*repaired)->data, *pems);
        auto history = mirror.history((*repaired)->id);
        PFA_VERIFY_OK(history);
        QCOMPARE(history->size(), std::size_t(1));
        QCOMPARE(history->front().data, *pems);
        QCOMPARE(*world().db().count(u"SELECT count(*) FROM pfa_mirror"
                                     " WHERE pfa_id IN ('PFA-10005', 'PFA-30001') AND deleted"_s),
                 qint64(2));
    }
};

} // namespace pfa::test

QTEST_GUILESS_MAIN(pfa::test::TstReconcile)
#include "tst_reconcile.moc"
