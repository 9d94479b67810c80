#pragma once

#include "BenchDatabase.h"
#include "model/Error.h"
#include "sync/ReadSyncResult.h"

#include <QNetworkAccessManager>

#include <memory>
#include <optional>

namespace pfa::app {
class PemsSimProcess;
}

namespace pfa::bench {

// What the read-path scenarios start from: their own database with one organization and an empty
// mirror, and their own pems-sim holding `records` generated records of it (--generate). Runs the
// engine's ReadSync and Reconciler in this process (they are libraries, not a worker process), so
// the peak memory measured is this process'. Main thread only.
class PullWorld final
{
public:
    static constexpr auto OrganizationCode = "BENCH";

    [[nodiscard]] static Expected<std::unique_ptr<PullWorld>> create(int records);
    ~PullWorld();
    PullWorld(const PullWorld&) = delete;
    PullWorld& operator=(const PullWorld&) = delete;

    [[nodiscard]] BenchDatabase& database() { return *m_database; }
    [[nodiscard]] app::PemsSimProcess& sim() { return *m_sim; }
    [[nodiscard]] QNetworkAccessManager& network() { return m_network; }
    [[nodiscard]] qint64 organizationId() const { return m_organizationId; }
    [[nodiscard]] static QString pfaId(int index); // index 0 … records-1 → PFA-10001 …

    // One read sync run of the organization with 1,000-record pages, waited for.
    [[nodiscard]] Expected<sync::ReadSyncResult> pull();

    // This process' peak resident set (VmHWM) in MB, and a reset of it (Linux clear_refs 5) so
    // that what the scenario set up beforehand does not count.
    [[nodiscard]] static std::optional<double> peakRssMb();
    static void resetPeakRss();

private:
    PullWorld() = default;

    std::unique_ptr<BenchDatabase> m_database;
    std::unique_ptr<app::PemsSimProcess> m_sim;
    QNetworkAccessManager m_network;
    qint64 m_organizationId = 0;
};

} // namespace pfa::bench
