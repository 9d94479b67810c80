#include "PullWorld.h"

#include "db/OrganizationRepository.h"
#include "shared/PemsSimProcess.h"
#include "sync/ReadSync.h"

#include <QEventLoop>
#include <QFile>
#include <QTimer>

using namespace Qt::StringLiterals;
using namespace std::chrono_literals;

namespace pfa::bench {

Expected<std::unique_ptr<PullWorld>> PullWorld::create(int records)
{
    std::unique_ptr<PullWorld> world(new PullWorld);
    auto database = BenchDatabase::start();
    if (!database)
        return std::unexpected(database.error());
    world->m_database = std::move(*database);
    auto organization = db::OrganizationRepository(world->m_database->connection())
                            .create(QString::fromLatin1(OrganizationCode),
                                    u"Benchmark organization"_s, u"pfa-sync-bench"_s);
    if (!organization)
        return std::unexpected(organization.error());
    world->m_organizationId = organization->id;
    world->m_sim = std::make_unique<app::PemsSimProcess>();
    if (auto started = world->m_sim->start({u"--generate"_s, QString::number(records), u"--orgs"_s,
                                            QString::fromLatin1(OrganizationCode)},
                                           120000);
        !started)
        return std::unexpected(started.error());
    return world;
}

PullWorld::~PullWorld()
{
    if (m_sim && m_sim->isRunning())
        (void)m_sim->stop();
}

QString PullWorld::pfaId(int index)
{
    return u"PFA-%1"_s.arg(10001 + index);
}

Expected<sync::ReadSyncResult> PullWorld::pull()
{
    sync::ReadSyncConfig config;
    config.pems.baseUrl = m_sim->baseUrl();
    config.pems.apiKey = QString::fromLatin1(app::PemsSimProcess::defaultApiKey());
    config.pageSize = 1000;
    config.actor = u"pfa-sync-bench"_s;
    sync::ReadSync readSync(m_database->database(), &m_network, config);
    std::optional<Expected<sync::ReadSyncResult>> answer;
    QEventLoop loop;
    readSync.start(m_organizationId, &loop, [&](Expected<sync::ReadSyncResult> result) {
        answer = std::move(result);
        loop.quit();
    });
    QTimer::singleShot(10min, &loop, &QEventLoop::quit);
    if (!answer)
        loop.exec();
    if (!answer)
        return fail(ErrorCode::Io, u"the read sync did not finish within 10 minutes"_s);
    return *answer;
}

std::optional<double> PullWorld::peakRssMb()
{
    QFile status(u"/proc/self/status"_s);
    if (!status.open(QIODevice::ReadOnly))
        return std::nullopt;
    for (const QByteArray& line : status.readAll().split('\n')) {
        if (line.startsWith("VmHWM:"))
            return line.mid(6).trimmed().split(' ').value(0).toDouble() / 1024.0;
    }
    return std::nullopt;
}

void PullWorld::resetPeakRss()
{
    QFile clear(u"/proc/self/clear_refs"_s);
    if (clear.open(QIODevice::WriteOnly))
        clear.write("5");
}

} // namespace pfa::bench
