#pragma once

#include "model/Error.h"

#include <QString>
#include <QStringList>

#include <cstddef>

namespace pfa::sim {

// pems-sim's command line (pems-sim --help, docs/pems-sim.md).
struct SimOptions
{
    static constexpr quint16 DefaultPort = 8090;
    static constexpr int FirstGeneratedNumber = 10001;

    QString host = QStringLiteral("127.0.0.1");
    quint16 port = DefaultPort;
    QStringList apiKeys; // "KEY" or "KEY=RIO,HOU"; none given: one key "sim-key" for everything
    QString adminKey = QStringLiteral("sim-admin");
    int generate = 0; // records per organization
    QStringList organizations;
    QString seedFile;
    QString snapshot;
    int rateLimit = 0;
    quint32 seed = 1;
    std::size_t idempotencyCapacity = 1'000'000;
    int threads = 0; // server threads; 0 = one per CPU core, at most 4
    bool help = false;
    bool version = false;

    // Config errors name the option; arguments[0] is the program.
    [[nodiscard]] static Expected<SimOptions> parse(const QStringList& arguments);
    [[nodiscard]] static QString helpText();
};

} // namespace pfa::sim
