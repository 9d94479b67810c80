#pragma once

#include "support/SyncFixture.h"
#include "support/Verify.h"
#include "sync/WriteSyncEngine.h"

#include <QSignalSpy>
#include <QTest>
#include <memory>

namespace pfa::test {

// The base of the write-path tests: a SyncFixture per test function and a worker (engine) that
// the test starts when its data is in place. cleanup() stops the worker and pems-sim.
class WritePathTestCase : public QObject
{
protected:
    bool setUpWorld(const SyncFixtureOptions& options = {})
    {
        auto fixture = SyncFixture::create(options);
        if (!fixture) {
            qWarning().noquote() << fixture.error().message;
            return false;
        }
        m_world = std::move(*fixture);
        return true;
    }

    bool startWorker(sync::WorkerConfig config)
    {
        m_engine = std::make_unique<sync::WriteSyncEngine>(m_world->db().database(), config);
        QSignalSpy started(m_engine.get(), &sync::WriteSyncEngine::started);
        QSignalSpy failed(m_engine.get(), &sync::WriteSyncEngine::startFailed);
        m_engine->start();
        if (!QTest::qWaitFor([&] { return started.count() > 0 || failed.count() > 0; }, 15000))
            return false;
        return started.count() == 1;
    }
    bool startWorker() { return startWorker(m_world->workerConfig()); }

    void tearDownWorld()
    {
        if (m_engine)
            m_engine->stopAndWait();
        m_engine.reset();
        if (m_world && m_world->sim().isRunning())
            (void)m_world->sim().stop();
        m_world.reset();
    }

    SyncFixture& world() { return *m_world; }
    sync::WriteSyncEngine& engine() { return *m_engine; }

    // A valid change of a seeded record: its forecastEnd `days` later.
    model::FieldMap laterForecastEnd(int number, int days,
                                     const QString& code = QStringLiteral("RIO"))
    {
        const auto end =
            std::get<QDateTime>(m_world->record(code, number).at(model::PfaField::ForecastEnd));
        return {{model::PfaField::ForecastEnd, end.addDays(days)}};
    }

    // The record as pems-sim holds it now (data and version).
    nlohmann::json pemsRecord(int number, const QString& code = QStringLiteral("RIO"))
    {
        auto record = m_world->sim().record(code, SyncFixture::pfaId(number));
        return record ? *record : nlohmann::json();
    }

    std::unique_ptr<SyncFixture> m_world;
    std::unique_ptr<sync::WriteSyncEngine> m_engine;
};

} // namespace pfa::test

#define SET_UP_WORLD(...)                                                                          \
    do {                                                                                           \
        QVERIFY(setUpWorld(__VA_ARGS__));                                                          \
    } while (false)
