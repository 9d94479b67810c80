// Per-record order, head-of-line blocking that stays with its record, and coalescing.
#include "WritePathTestCase.h"

#include "db/ModificationRepository.h"
#include "model/IsoDateTime.h"

using namespace Qt::StringLiterals;
using pfa::model::PfaField;
using pfa::model::SyncStatus;

namespace pfa::test {

class TstWriteOrder : public WritePathTestCase
{
    Q_OBJECT

private:
    QDateTime forecastEnd(int number)
    {
        return std::get<QDateTime>(world().record(u"RIO"_s, number).at(PfaField::ForecastEnd));
    }

private Q_SLOTS:
    void cleanup() { tearDownWorld(); }

    // Three changes of one record ready together go out as one request; each modification still
    // has its own state, attempt, audit row and event, and PEMS ends with the last value.
    void changesReadyTogetherAreCoalesced()
    {
        SET_UP_WORLD();
        std::vector<qint64> ids;
        for (int days : {3, 4, 5}) {
            auto committed = world().commit(
                u"RIO"_s, 10001, {{PfaField::ForecastEnd, forecastEnd(10001).addDays(days)}});
            PFA_VERIFY_OK(committed);
            ids.push_back(committed->modification.id);
        }
        auto other = world().commit(u"RIO"_s, 10001, {{PfaField::Description, u"Also this"_s}});
        PFA_VERIFY_OK(other);
        ids.push_back(other->modification.id);
        QVERIFY(startWorker());
        for (const qint64 id : ids)
            QVERIFY(world().waitForStatus(id, SyncStatus::Synced));

        auto stats = world().sim().stats();
        QCOMPARE((*stats)["writesApplied"].get<int>(), 1);
        const auto record = pemsRecord(10001);
        QCOMPARE(record["version"].get<qint64>(), qint64(2));
        QCOMPARE(QString::fromStdString(record["data"]["forecastEnd"].get<std::string>()),
                 model::toIsoUtc(forecastEnd(10001).addDays(5)));
        QCOMPARE(record["data"]["description"].get<std::string>(), std::string("Also this"));
        QCOMPARE(*world().db().count(u"SELECT count(*) FROM pfa_sync_attempt"_s), qint64(4));
        QCOMPARE(*world().db().count(u"SELECT count(*) FROM audit_log"
                                     " WHERE action = 'modification.synced'"_s),
                 qint64(4));
        QCOMPARE(*world().db().count(u"SELECT count(*) FROM pfa_modification"
                                     " WHERE pems_version = 2"_s),
                 qint64(4));
    }

    // A record held by a conflict keeps its later changes waiting ("blocked by" it) while other
    // records' changes flow; one record's changes reach PEMS in commit order.
    void heldRecordBlocksOnlyItself()
    {
        SET_UP_WORLD();
        PFA_VERIFY_OK(world().sim().editRecord(u"RIO"_s, SyncFixture::pfaId(10001),
                                               {{"description", "PEMS first"}}));
        QVERIFY(startWorker());
        auto conflicting = world().commit(u"RIO"_s, 10001, {{PfaField::Description, u"Mine"_s}});
        PFA_VERIFY_OK(conflicting);
        QVERIFY(world().waitForStatus(conflicting->modification.id, SyncStatus::Conflict));

        auto blocked = world().commit(u"RIO"_s, 10001,
                                      {{PfaField::ForecastEnd, forecastEnd(10001).addDays(2)}});
        PFA_VERIFY_OK(blocked);
        std::vector<qint64> others;
        for (int number = 10002; number <= 10006; ++number) {
            auto committed = world().commit(
                u"RIO"_s, number, {{PfaField::ForecastEnd, forecastEnd(number).addDays(1)}});
            PFA_VERIFY_OK(committed);
            others.push_back(committed->modification.id);
        }
        for (const qint64 id : others)
            QVERIFY(world().waitForStatus(id, SyncStatus::Synced));
        // Everything else is done; the blocked change is still queued behind the conflict.
        QVERIFY(world().waitForDrained(1) == false);
        QCOMPARE(*world().status(blocked->modification.id), SyncStatus::Queued);
        QCOMPARE(*world().db().count(u"SELECT count(*) FROM pfa_sync_attempt a"
                                     " JOIN pfa_write_queue q ON q.id = a.queue_id"
                                     " WHERE q.modification_id = :id"_s,
                                     {{"id"_L1, blocked->modification.id}}),
                 qint64(0));
    }

    // Several records with several changes each, all committed at once: every record's versions
    // in PEMS appear in commit order, and no two requests for a record overlapped.
    void oneRecordsChangesArriveInCommitOrder()
    {
        SET_UP_WORLD({.recordsPerOrganization = 6});
        QVERIFY(startWorker());
        std::map<int, std::vector<qint64>> byRecord;
        for (int round = 1; round <= 4; ++round) {
            for (int number = 10001; number <= 10006; ++number) {
                auto committed = world().commit(
                    u"RIO"_s, number, {{PfaField::Description, u"round %1"_s.arg(round)}});
                PFA_VERIFY_OK(committed);
                byRecord[number].push_back(committed->modification.id);
            }
        }
        QVERIFY(world().waitForDrained());
        for (const auto& [number, ids] : byRecord) {
            // PEMS ends with the last round, and the versions the modifications produced never
            // go backwards in commit order.
            QCOMPARE(pemsRecord(number)["data"]["description"].get<std::string>(),
                     std::string("round 4"));
            qint64 previous = 0;
            for (const qint64 id : ids) {
                auto modification = db::ModificationRepository(world().db().connection()).find(id);
                PFA_VERIFY_OK(modification);
                QCOMPARE(modification->status, SyncStatus::Synced);
                QVERIFY(*modification->pemsVersion >= previous);
                previous = *modification->pemsVersion;
            }
        }
        auto stats = world().sim().stats();
        QCOMPARE((*stats)["duplicateApplications"].get<int>(), 0);
        QCOMPARE((*stats)["requests"].value("PUT 409", 0), 0);
    }
};

} // namespace pfa::test

QTEST_GUILESS_MAIN(pfa::test::TstWriteOrder)
#include "tst_writeorder.moc"
