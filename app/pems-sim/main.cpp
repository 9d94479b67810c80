// pems-sim: the composition root. Parses the command line, fills the store (snapshot, generated
// records, seed file), listens, prints the one line tests wait for, and shuts down cleanly on
// SIGINT/SIGTERM.
#include "ListeningSockets.h"
#include "ServerThread.h"
#include "SimLog.h"
#include "SimOptions.h"
#include "SimSnapshot.h"
#include "SimState.h"
#include "SnapshotKeeper.h"
#include "shared/SignalWatcher.h"

#include "model/FieldValue.h"
#include "model/SampleRecords.h"

#include <QCoreApplication>
#include <QFile>
#include <QHostAddress>
#if QT_CONFIG(ssl)
#include <QSslConfiguration>
#endif
#include <QThread>

#include <csignal>
#include <cstdio>
#include <memory>
#include <vector>

using namespace Qt::StringLiterals;
using namespace pfa;
using namespace pfa::sim;

namespace {

void printError(const QString& message)
{
    std::fprintf(stderr, "pems-sim: %s\n", message.toLocal8Bit().constData());
}

// The same organization code and --seed always give the same records.
quint32 organizationSeed(const QString& organizationCode, quint32 seed)
{
    quint32 hash = 2166136261u; // FNV-1a
    for (const QChar c : organizationCode) {
        hash ^= c.unicode();
        hash *= 16777619u;
    }
    return hash ^ seed;
}

Expected<void> loadSeedFile(SimStore& store, const QString& path)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return fail(ErrorCode::Io,
                    u"cannot read --seed-file %1: %2"_s.arg(path, file.errorString()));
    const auto document = model::parseJson(file.readAll());
    if (!document)
        return fail(ErrorCode::InvalidInput,
                    u"--seed-file %1: %2"_s.arg(path, document.error().message));
    const nlohmann::json* records = &*document;
    if (document->is_object() && document->contains("records"))
        records = &document->at("records");
    if (!records->is_array())
        return fail(
            ErrorCode::InvalidInput,
            u"--seed-file %1 must hold an array of records or {\"records\": [...]}"_s.arg(path));
    int index = 0;
    for (const nlohmann::json& item : *records) {
        auto data = model::fieldMapFromJson(item);
        if (!data)
            return fail(ErrorCode::InvalidInput,
                        u"--seed-file %1, record %2: %3"_s.arg(path).arg(index).arg(
                            data.error().toString()));
        if (auto created = store.create(std::move(*data), {.source = ChangeSource::Seed}); !created)
            return fail(ErrorCode::InvalidInput,
                        u"--seed-file %1, record %2: %3"_s.arg(path).arg(index).arg(
                            created.error().toString()));
        ++index;
    }
    return {};
}

// Returns whether the store came from the snapshot file.
Expected<bool> fillStore(SimStore& store, const SimOptions& options)
{
    if (!options.snapshot.isEmpty() && QFile::exists(options.snapshot)) {
        auto count = SimSnapshot::load(store, options.snapshot);
        if (!count)
            return std::unexpected(count.error());
        qCInfo(lcSim).noquote() << "restored" << *count << "records from" << options.snapshot;
        return true;
    }
    if (options.generate > 0) {
        for (const QString& organization : options.organizations) {
            const auto records = model::SampleRecords::generate(
                organization, SimOptions::FirstGeneratedNumber, options.generate,
                organizationSeed(organization, options.seed));
            for (const model::FieldMap& record : records) {
                if (auto created = store.create(record, {.source = ChangeSource::Seed}); !created)
                    return std::unexpected(created.error());
            }
        }
        qCInfo(lcSim).noquote() << "generated" << options.generate << "records for"
                                << options.organizations.join(u", "_s);
    }
    if (!options.seedFile.isEmpty()) {
        if (auto loaded = loadSeedFile(store, options.seedFile); !loaded)
            return std::unexpected(loaded.error());
    }
    return false;
}

} // namespace

int main(int argc, char* argv[])
{
    // Qt's own poll() event dispatcher: pems-sim has no GUI to integrate with GLib, and the plain
    // dispatcher costs less per socket event.
    if (!qEnvironmentVariableIsSet("QT_NO_GLIB"))
        qputenv("QT_NO_GLIB", "1");
    QCoreApplication::setApplicationName(u"pems-sim"_s);
    QCoreApplication::setApplicationVersion(QStringLiteral(PFA_VERSION));
    QCoreApplication app(argc, argv);

    const auto options = SimOptions::parse(QCoreApplication::arguments());
    if (!options) {
        printError(options.error().message + u" (see pems-sim --help)"_s);
        return 2;
    }
    if (options->help) {
        std::fputs(SimOptions::helpText().toLocal8Bit().constData(), stdout);
        return 0;
    }
    if (options->version) {
        std::printf("pems-sim %s\n", PFA_VERSION);
        return 0;
    }

    SimState state(options->rateLimit, options->idempotencyCapacity);
    for (const QString& spec : options->apiKeys) {
        if (auto added = state.keys.addSpec(spec); !added) {
            printError(added.error().message);
            return 2;
        }
    }
    if (state.keys.isEmpty())
        state.keys.add(QByteArrayLiteral("sim-key"), {});
    state.adminKey = options->adminKey.toUtf8();

    const auto filled = fillStore(state.store, *options);
    if (!filled) {
        printError(filled.error().toString());
        return 1;
    }

    const QHostAddress address = options->host == u"localhost"
                                     ? QHostAddress(QHostAddress::LocalHost)
                                     : QHostAddress(options->host);
    const int threadCount =
        options->threads > 0 ? options->threads : std::clamp(QThread::idealThreadCount(), 1, 4);
    const auto listening = ListeningSockets::open(address, options->port, threadCount);
    if (!listening) {
        printError(listening.error().message);
        return 1;
    }
#if QT_CONFIG(ssl)
    // QAbstractHttpServer's constructor builds a QSslConfiguration, and the first one in the
    // process initializes OpenSSL in the calling thread. Let that be this thread, whose OpenSSL
    // state is released at exit; a server thread's would leak when it ends.
    [[maybe_unused]] const QSslConfiguration initializeTlsHere;
#endif
    std::vector<std::unique_ptr<ServerThread>> threads;
    for (const qintptr descriptor : listening->descriptors) {
        threads.push_back(std::make_unique<ServerThread>(state, descriptor));
        threads.back()->start();
    }
    const auto stopThreads = [&threads] {
        for (const auto& thread : threads)
            thread->quit();
        for (const auto& thread : threads)
            thread->wait();
    };

    std::unique_ptr<SnapshotKeeper> keeper;
    if (!options->snapshot.isEmpty())
        keeper = std::make_unique<SnapshotKeeper>(state, options->snapshot, *filled);

    int exitCode = 0;
    app::SignalWatcher signalWatcher({SIGINT, SIGTERM});
    QObject::connect(&signalWatcher, &app::SignalWatcher::received, &app, [&](int signalNumber) {
        qCInfo(lcSim) << "signal" << signalNumber << "received, shutting down";
        stopThreads(); // no more changes; then the last snapshot
        if (keeper && !keeper->saveIfChanged())
            exitCode = 1;
        QCoreApplication::exit(exitCode);
    });

    // The sockets listen already (connections queue until the threads accept them), so the
    // address can be announced now.
    const QString host = address.protocol() == QAbstractSocket::IPv6Protocol
                             ? u"[%1]"_s.arg(options->host)
                             : options->host;
    std::printf("pems-sim listening on http://%s:%u\n", host.toLocal8Bit().constData(),
                static_cast<unsigned>(listening->port));
    std::fflush(stdout);
    qCInfo(lcSim) << "serving" << state.store.recordCount() << "records with" << threadCount
                  << "threads";

    const int result = app.exec();
    stopThreads();
    return result;
}
