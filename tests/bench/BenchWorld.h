#pragma once

#include "BenchDatabase.h"
#include "db/ModificationRepository.h"
#include "model/Error.h"
#include "model/FieldValue.h"

#include <QStringList>
#include <QTemporaryDir>

#include <memory>
#include <vector>

namespace pfa::app {
class PemsSimProcess;
}

namespace pfa::bench {

struct WorldOptions
{
    int records = 0;
    QStringList simArguments; // e.g. --rate-limit 10
};

// What a sync scenario starts from: its own database (BenchDatabase) whose mirror holds one
// organization's sample records at version 1, a planner allowed to sync them, and its own
// pems-sim seeded (--seed-file) with exactly the same records, so every change applies cleanly.
// Main thread only.
class BenchWorld final
{
public:
    static constexpr auto OrganizationCode = "BENCH";

    [[nodiscard]] static Expected<std::unique_ptr<BenchWorld>> create(const WorldOptions& options);
    ~BenchWorld(); // stops pems-sim, then the database
    BenchWorld(const BenchWorld&) = delete;
    BenchWorld& operator=(const BenchWorld&) = delete;

    [[nodiscard]] BenchDatabase& database() { return *m_database; }
    [[nodiscard]] app::PemsSimProcess& sim() { return *m_sim; }
    [[nodiscard]] int recordCount() const { return int(m_records.size()); }

    // Saves and commits (queues) the `change`-th modification of record `index`, on the main
    // connection: in its own transaction, or in the caller's when one is open.
    [[nodiscard]] Expected<db::Committed> commitChange(int index, int change);
    // `perRecord` modifications of each of the first `records` records, all in one transaction,
    // as after a bulk edit: the worker sees them all at once. Returns how many were queued.
    [[nodiscard]] Expected<int> commitAll(int records, int perRecord);

private:
    BenchWorld() = default;
    [[nodiscard]] Expected<void> seed(int records);
    [[nodiscard]] Expected<QString> writeSeedFile() const;

    std::unique_ptr<BenchDatabase> m_database;
    std::unique_ptr<app::PemsSimProcess> m_sim;
    QTemporaryDir m_dir;
    std::vector<model::FieldMap> m_records;
    qint64 m_organizationId = 0;
    qint64 m_userId = 0;
    QString m_userEmail;
};

} // namespace pfa::bench
