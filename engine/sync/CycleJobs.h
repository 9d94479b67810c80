#pragma once

#include <QtGlobal>
#include <map>
#include <mutex>
#include <optional>

namespace pfa::sync {

// The sync job each organization's items of the current cycle belong to, shared by the engine
// (sync now adopts a job) and the claimer (which opens a scheduled job when none is set).
// Thread-safe, so an adoption takes effect for every claim decided after syncNow() returns.
class CycleJobs final
{
public:
    void adopt(qint64 organizationId, qint64 jobId)
    {
        const std::scoped_lock lock(m_mutex);
        m_jobs[organizationId] = jobId;
    }

    [[nodiscard]] std::optional<qint64> find(qint64 organizationId) const
    {
        const std::scoped_lock lock(m_mutex);
        const auto found = m_jobs.find(organizationId);
        return found == m_jobs.end() ? std::nullopt : std::optional(found->second);
    }

    // Sets `jobId` unless a job was adopted meanwhile; returns the organization's job.
    qint64 setIfAbsent(qint64 organizationId, qint64 jobId)
    {
        const std::scoped_lock lock(m_mutex);
        return m_jobs.try_emplace(organizationId, jobId).first->second;
    }

    // A new scheduled cycle groups its items into new jobs.
    void startCycle()
    {
        const std::scoped_lock lock(m_mutex);
        m_jobs.clear();
    }

private:
    mutable std::mutex m_mutex;
    std::map<qint64, qint64> m_jobs; // organization → job
};

} // namespace pfa::sync
