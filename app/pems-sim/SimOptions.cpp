#include "SimOptions.h"

#include <QCommandLineParser>
#include <QHostAddress>

using namespace Qt::StringLiterals;

namespace pfa::sim {

namespace {

struct Parser
{
    QCommandLineParser parser;
    QCommandLineOption host{u"host"_s, u"Address to listen on (default 127.0.0.1)."_s,
                            u"address"_s};
    QCommandLineOption port{u"port"_s, u"Port to listen on; 0 picks a free one (default 8090)."_s,
                            u"n"_s};
    QCommandLineOption apiKey{
        u"api-key"_s,
        u"An accepted API key, for every organization (KEY) or only some (KEY=RIO,HOU). "
        u"Repeatable. Default: one key \"sim-key\" for every organization."_s,
        u"key"_s};
    QCommandLineOption adminKey{
        u"admin-key"_s, u"Key for the /__admin API (header X-Admin-Key; default sim-admin)."_s,
        u"key"_s};
    QCommandLineOption generate{
        u"generate"_s,
        u"Generate N sample records per organization (PFA-10001 onwards), deterministic for a "
        u"given --seed."_s,
        u"n"_s};
    QCommandLineOption orgs{
        u"orgs"_s, u"Organizations for --generate, comma-separated (default RIO)."_s, u"codes"_s};
    QCommandLineOption seedFile{
        u"seed-file"_s,
        u"Load records from a JSON file: an array of records (or {\"records\": [...]}) keyed by "
        u"the PFA field wire names."_s,
        u"file"_s};
    QCommandLineOption snapshot{
        u"snapshot"_s,
        u"Keep state in this file: restored on start when it exists (then --generate and "
        u"--seed-file are ignored), written every 2 s when changed and on SIGINT/SIGTERM."_s,
        u"file"_s};
    QCommandLineOption rateLimit{
        u"rate-limit"_s,
        u"At most N /api/pems requests in any 1-second window, else 429 with Retry-After "
        u"(0 = no limit, the default)."_s,
        u"n"_s};
    QCommandLineOption seed{u"seed"_s, u"Seed for --generate (default 1)."_s, u"n"_s};
    QCommandLineOption idempotencyCapacity{
        u"idempotency-capacity"_s,
        u"How many Idempotency-Keys to remember, oldest forgotten first (default 1000000)."_s,
        u"n"_s};
    QCommandLineOption threads{
        u"threads"_s, u"Server threads sharing the port (default: one per CPU core, at most 4)."_s,
        u"n"_s};
    QCommandLineOption help{{u"h"_s, u"help"_s}, u"Show this help."_s};
    QCommandLineOption version{{u"v"_s, u"version"_s}, u"Show the version."_s};

    Parser()
    {
        parser.setApplicationDescription(
            u"pems-sim: a stand-in for PEMS (HxGN EAM) speaking pfa-sync's PEMS JSON API."_s);
        parser.setSingleDashWordOptionMode(QCommandLineParser::ParseAsLongOptions);
        parser.addOptions({host, port, apiKey, adminKey, generate, orgs, seedFile, snapshot,
                           rateLimit, seed, idempotencyCapacity, threads, help, version});
    }
};

Expected<qint64> integer(const QCommandLineParser& parser, const QCommandLineOption& option,
                         qint64 low, qint64 high)
{
    const QString text = parser.value(option);
    bool ok = false;
    const qint64 value = text.toLongLong(&ok);
    if (!ok || value < low || value > high) {
        return fail(
            ErrorCode::Config,
            u"--%1 must be a whole number from %2 to %3, not \"%4\""_s.arg(
                option.names().constLast(), QString::number(low), QString::number(high), text),
            option.names().constLast());
    }
    return value;
}

constexpr const char16_t* ApiSummary = uR"(
On start pems-sim prints one line to stdout: "pems-sim listening on http://HOST:PORT".

PEMS API (header X-Api-Key: KEY or Authorization: Bearer KEY; JSON bodies):
  PUT    /api/pems/pfa/{pfaId}   {pfaId, organizationCode, changes, version, modifiedBy, changeReason}
                                 -> 200 | 400 VALIDATION_ERROR | 404 | 409 VERSION_CONFLICT
  DELETE /api/pems/pfa/{pfaId}?organizationCode=X&version=N   -> 200 (tombstone) | 404 | 409
  GET    /api/pems/pfa/{pfaId}?organizationCode=X             -> 200 | 404
  GET    /api/pems/pfa?organizationCode=X[&updatedSince=ISO][&limit=1..1000][&cursor=C]
                                 -> {records:[...], nextCursor}; tombstones as deleted:true
  GET    /api/pems/health        (no key needed)
  Idempotency-Key on PUT/DELETE: a repeated key gets the first response again
  (header Idempotent-Replayed: true) and changes nothing.
  401 UNAUTHORIZED, 403 FORBIDDEN (key not allowed that organization), 429 RATE_LIMITED.

Admin API (header X-Admin-Key):
  PUT    /__admin/faults   {seed, retryAfterFormat: "seconds"|"http-date",
                            routes: {"PUT"|"DELETE"|"GET"|"LIST"|"HEALTH"|"*": {error500, error503,
                            error429, latencyMs, hangProbability, dropProbability,
                            garbleProbability}}}
  GET    /__admin/faults, DELETE /__admin/faults
  PUT    /__admin/records/{org}/{pfaId}   {changes, modifiedBy?, changeReason?}  (creates if absent)
  GET    /__admin/records/{org}/{pfaId}   the record with its full history
  DELETE /__admin/records/{org}/{pfaId}   makes a tombstone
  GET    /__admin/stats, POST /__admin/stats/reset, GET /__admin/idempotency/{key}

SIGINT/SIGTERM: write the snapshot (with --snapshot) and exit 0.
See docs/pems-sim.md for the details.
)";

} // namespace

Expected<SimOptions> SimOptions::parse(const QStringList& arguments)
{
    Parser p;
    if (!p.parser.parse(arguments))
        return fail(ErrorCode::Config, p.parser.errorText());
    if (!p.parser.positionalArguments().isEmpty())
        return fail(ErrorCode::Config, u"unexpected argument \"%1\""_s.arg(
                                           p.parser.positionalArguments().constFirst()));

    SimOptions options;
    options.help = p.parser.isSet(p.help);
    options.version = p.parser.isSet(p.version);
    if (options.help || options.version)
        return options;

    if (p.parser.isSet(p.host)) {
        options.host = p.parser.value(p.host);
        if (options.host != u"localhost" && QHostAddress(options.host).isNull())
            return fail(
                ErrorCode::Config,
                u"--host must be an IP address (or localhost), not \"%1\""_s.arg(options.host),
                u"host"_s);
    }
    if (p.parser.isSet(p.port)) {
        auto port = integer(p.parser, p.port, 0, 65535);
        if (!port)
            return std::unexpected(port.error());
        options.port = static_cast<quint16>(*port);
    }
    options.apiKeys = p.parser.values(p.apiKey);
    if (p.parser.isSet(p.adminKey))
        options.adminKey = p.parser.value(p.adminKey);
    if (options.adminKey.isEmpty())
        return fail(ErrorCode::Config, u"--admin-key must not be empty"_s, u"admin-key"_s);
    if (p.parser.isSet(p.generate)) {
        auto count = integer(p.parser, p.generate, 0, 10'000'000);
        if (!count)
            return std::unexpected(count.error());
        options.generate = static_cast<int>(*count);
    }
    if (p.parser.isSet(p.orgs)) {
        for (const QString& code : p.parser.value(p.orgs).split(u',', Qt::SkipEmptyParts))
            options.organizations.append(code.trimmed());
    }
    if (options.organizations.isEmpty())
        options.organizations = {u"RIO"_s};
    options.seedFile = p.parser.value(p.seedFile);
    options.snapshot = p.parser.value(p.snapshot);
    if (p.parser.isSet(p.rateLimit)) {
        auto limit = integer(p.parser, p.rateLimit, 0, 10'000'000);
        if (!limit)
            return std::unexpected(limit.error());
        options.rateLimit = static_cast<int>(*limit);
    }
    if (p.parser.isSet(p.seed)) {
        auto seed = integer(p.parser, p.seed, 0, 0xffff'ffffLL);
        if (!seed)
            return std::unexpected(seed.error());
        options.seed = static_cast<quint32>(*seed);
    }
    if (p.parser.isSet(p.idempotencyCapacity)) {
        auto capacity = integer(p.parser, p.idempotencyCapacity, 1, 100'000'000);
        if (!capacity)
            return std::unexpected(capacity.error());
        options.idempotencyCapacity = static_cast<std::size_t>(*capacity);
    }
    if (p.parser.isSet(p.threads)) {
        auto count = integer(p.parser, p.threads, 1, 64);
        if (!count)
            return std::unexpected(count.error());
        options.threads = static_cast<int>(*count);
    }
    return options;
}

QString SimOptions::helpText()
{
    Parser p;
    return p.parser.helpText() + QString::fromUtf16(ApiSummary);
}

} // namespace pfa::sim
