#pragma once

#include "SimHttp.h"
#include "support/PemsSimProcess.h"

#include <QObject>
#include <QTest>
#include <QtCore/qfloat16.h> // complete, for QCOMPARE overload resolution on JSON values

#include <nlohmann/json.hpp>

#include <memory>

// QCOMPARE on JSON values prints them (found by argument-dependent lookup).
NLOHMANN_JSON_NAMESPACE_BEGIN
inline char* toString(const json& value)
{
    return qstrdup(value.dump().c_str());
}
NLOHMANN_JSON_NAMESPACE_END

namespace pfa::test {

// The per-test pems-sim of the e2e tests: each test starts its own process (fresh state, its own
// arguments) and cleanup() stops it, checking that it shut down cleanly.
// No Q_OBJECT here: the test classes deriving from it declare their own slots.
class SimTestCase : public QObject
{
protected:
    void startSim(const QStringList& arguments)
    {
        m_sim = std::make_unique<PemsSimProcess>();
        const auto started = m_sim->start(arguments);
        QVERIFY2(started, qPrintable(started ? QString() : started.error().message));
        m_http = std::make_unique<SimHttp>(*m_sim);
    }

    void stopSim()
    {
        if (!m_sim || !m_sim->isRunning())
            return;
        m_http.reset();
        const auto exitCode = m_sim->stop();
        QVERIFY2(exitCode, qPrintable(exitCode ? QString() : exitCode.error().message));
        QVERIFY2(*exitCode == 0, m_sim->standardError().constData());
    }

    PemsSimProcess& sim() { return *m_sim; }
    SimHttp& http() { return *m_http; }

    std::unique_ptr<PemsSimProcess> m_sim;
    std::unique_ptr<SimHttp> m_http;
};

} // namespace pfa::test

// Test functions return when the start failed (QVERIFY in a helper only leaves the helper).
#define START_SIM(...)                                                                             \
    do {                                                                                           \
        startSim(__VA_ARGS__);                                                                     \
        if (QTest::currentTestFailed())                                                            \
            return;                                                                                \
    } while (false)

// An Expected from the PemsSimProcess helpers must hold a value; else the test fails with its
// message.
#define QVERIFY_OK(expected)                                                                       \
    do {                                                                                           \
        const auto& expected_ = (expected);                                                        \
        QVERIFY2(expected_.has_value(),                                                            \
                 qPrintable(expected_.has_value() ? QString() : expected_.error().message));       \
    } while (false)

// An HttpResult must have this status; else the test fails showing what came instead. The
// expression is evaluated once (it usually sends the request).
#define QCOMPARE_STATUS(result, expectedStatus)                                                    \
    do {                                                                                           \
        const pfa::test::HttpResult& result_ = (result);                                           \
        QVERIFY2(result_.finished&& result_.status == (expectedStatus),                            \
                 result_.describe().constData());                                                  \
    } while (false)
