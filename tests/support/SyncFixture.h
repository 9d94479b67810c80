#pragma once

#include "db/ModificationRepository.h"
#include "model/Error.h"
#include "model/FieldValue.h"
#include "model/SyncStatus.h"
#include "support/PemsSimProcess.h"
#include "support/TestDatabase.h"
#include "sync/WorkerConfig.h"

#include <QTemporaryDir>
#include <map>
#include <memory>

namespace pfa::test {

struct SyncFixtureOptions
{
    QStringList organizations{QStringLiteral("RIO")};
    int recordsPerOrganization = 10;
    QStringList simArguments; // extra pems-sim arguments (e.g. --rate-limit 10)
};

// The world a write-path test needs: a fresh migrated database whose mirror holds sample records
// PFA-10001… at version 1 for each organization, a planner allowed to sync them, and a pems-sim
// process holding exactly the same records (through --seed-file), so mirror and PEMS agree.
class SyncFixture final
{
public:
    [[nodiscard]] static Expected<std::unique_ptr<SyncFixture>>
    create(const SyncFixtureOptions& options = {});
    ~SyncFixture();
    Q_DISABLE_COPY_MOVE(SyncFixture)

    [[nodiscard]] TestDatabase& db() { return *m_db; }
    [[nodiscard]] PemsSimProcess& sim() { return *m_sim; }
    [[nodiscard]] qint64 organizationId(const QString& code) const
    {
        return m_organizations.at(code);
    }
    [[nodiscard]] qint64 userId() const { return m_userId; }
    [[nodiscard]] static QString pfaId(int number) { return QStringLiteral("PFA-%1").arg(number); }
    [[nodiscard]] const model::FieldMap& record(const QString& code, int number) const;

    // A worker talking to this fixture's pems-sim: no rate limit, short scaled retry delays.
    [[nodiscard]] sync::WorkerConfig
    workerConfig(const QString& workerId = QStringLiteral("test-worker")) const;

    // A draft of `delta` on the record, committed (queued) on the calling thread's connection.
    [[nodiscard]] Expected<db::Committed>
    commit(const QString& code, int number, const model::FieldMap& delta,
           model::Operation operation = model::Operation::Update,
           const QString& reason = QStringLiteral("test"));
    // Many UPDATE modifications (reason "test") committed in one statement, in the given order,
    // for volume tests: the rows commit() writes, without its per-item round trips. Deltas are
    // checked against the seeded record. Their ids, in the same order.
    [[nodiscard]] Expected<std::vector<qint64>>
    commitMany(const QString& code, const std::vector<std::pair<int, model::FieldMap>>& changes);
    // The modification's status now.
    [[nodiscard]] Expected<model::SyncStatus> status(qint64 modificationId);
    // Bounded polling (the worker runs in another thread): true once it has that status.
    [[nodiscard]] bool waitForStatus(qint64 modificationId, model::SyncStatus status,
                                     int timeoutMs = 15000);
    // Bounded polling until no queue item is pending or processing.
    [[nodiscard]] bool waitForDrained(int timeoutMs = 30000);

private:
    SyncFixture() = default;

    std::unique_ptr<TestDatabase> m_db;
    std::unique_ptr<PemsSimProcess> m_sim;
    QTemporaryDir m_dir;
    std::map<QString, qint64> m_organizations;
    std::map<std::pair<QString, int>, model::FieldMap> m_records;
    qint64 m_userId = 0;
};

} // namespace pfa::test
