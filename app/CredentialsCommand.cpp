#include "CredentialsCommand.h"

#include "Console.h"
#include "Startup.h"
#include "db/CredentialRepository.h"
#include "db/Database.h"
#include "db/OrganizationRepository.h"
#include "model/IsoDateTime.h"
#include "pems/PemsConfig.h"
#include "secrets/CredentialCipher.h"
#include "secrets/KeyFileSource.h"
#include "secrets/Wipe.h"

#include <nlohmann/json.hpp>

#include <array>
#include <cerrno>
#include <termios.h>
#include <unistd.h>

using namespace Qt::StringLiterals;

namespace pfa::app {

namespace {

constexpr qsizetype MaxApiKeyBytes = 4096;

// Who acts in the audit log: the operator at the machine (as `tokens` records it).
QString actor()
{
    const QString user = qEnvironmentVariable("USER");
    return u"cli:"_s + (user.isEmpty() ? u"unknown"_s : user);
}

int failed(const Error& error, int code = 1)
{
    err() << "pfa-sync credentials: " << error.message << Qt::endl;
    return error.code == ErrorCode::InvalidInput ? 2 : code;
}

// Turns terminal echo off while the key is typed, and back on whatever happens.
class NoEcho final
{
public:
    NoEcho()
    {
        if (::isatty(STDIN_FILENO) != 1 || ::tcgetattr(STDIN_FILENO, &m_saved) != 0)
            return;
        termios quiet = m_saved;
        quiet.c_lflag &= ~tcflag_t(ECHO);
        m_active = ::tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet) == 0;
    }
    ~NoEcho()
    {
        if (m_active)
            ::tcsetattr(STDIN_FILENO, TCSAFLUSH, &m_saved);
    }
    NoEcho(const NoEcho&) = delete;
    NoEcho& operator=(const NoEcho&) = delete;

private:
    termios m_saved{};
    bool m_active = false;
};

// One line from standard input: a pipe (`… | pfa-sync credentials set`), a file redirect or,
// at a terminal, typed without echo. One trailing line break is dropped; the key itself must be
// printable ASCII without spaces (PemsConfig checks that later, naming no key).
Expected<QByteArray> readApiKey(const QString& organizationCode)
{
    const bool terminal = ::isatty(STDIN_FILENO) == 1;
    if (terminal)
        err() << "PEMS API key for " << organizationCode << " (not echoed): " << Qt::flush;
    QByteArray key;
    {
        const NoEcho quiet;
        std::array<char, 256> chunk{};
        for (;;) {
            const ssize_t got = ::read(STDIN_FILENO, chunk.data(), chunk.size());
            if (got < 0 && errno == EINTR)
                continue;
            if (got <= 0)
                break; // the end, or an error: what was read is checked below
            key.append(chunk.data(), qsizetype(got));
            // At a terminal the first line is the key; elsewhere read to the end.
            if (key.size() > MaxApiKeyBytes || (terminal && key.contains('\n')))
                break;
        }
        secrets::wipeBytes(chunk.data(), chunk.size());
    }
    if (terminal)
        err() << Qt::endl;
    if (key.endsWith('\n'))
        key.chop(1);
    if (key.endsWith('\r'))
        key.chop(1);
    if (key.isEmpty()) {
        return fail(
            ErrorCode::InvalidInput,
            u"no API key on standard input: pipe it in, e.g. "
            "`pfa-sync credentials set %1 --pems-url URL < key.txt`"_s.arg(organizationCode));
    }
    if (key.size() > MaxApiKeyBytes || key.contains('\n')) {
        secrets::wipe(key);
        return fail(ErrorCode::InvalidInput,
                    u"standard input must hold the API key alone, on one line of at most %1 "
                    "bytes"_s.arg(MaxApiKeyBytes));
    }
    return key;
}

// The configured data key as a cipher; exit code 2 when none is configured, 1 when it cannot
// be read.
std::expected<secrets::CredentialCipher, int> currentCipher(const config::Settings& settings)
{
    const auto source = dataKeySource(settings);
    if (!source) {
        err() << "pfa-sync credentials: " << noDataKeyMessage() << Qt::endl;
        return std::unexpected(2);
    }
    auto key = source->load();
    if (!key) {
        err() << "pfa-sync credentials: " << key.error().message << Qt::endl;
        return std::unexpected(1);
    }
    return secrets::CredentialCipher(std::move(*key));
}

int set(const QSqlDatabase& db, const config::Settings& settings,
        const CredentialsArguments& arguments)
{
    auto organization = db::OrganizationRepository(db).findByCode(arguments.organizationCode);
    if (!organization)
        return failed(organization.error());
    auto cipher = currentCipher(settings);
    if (!cipher)
        return cipher.error();
    auto key = readApiKey(organization->code);
    if (!key)
        return failed(key.error());

    // What the worker will check at start, checked now: an https URL (http for loopback only)
    // and a key that can go into a header.
    pems::PemsConfig pems;
    pems.baseUrl = QUrl(arguments.pemsUrl, QUrl::StrictMode);
    pems.apiKey = QString::fromLatin1(*key);
    auto valid = pems.validate();
    secrets::wipe(pems.apiKey);
    if (!valid) {
        secrets::wipe(*key);
        const QString what = valid.error().field == u"baseUrl"_s
                                 ? u"--pems-url"_s
                                 : u"the API key on standard input"_s;
        return failed(Error{ErrorCode::InvalidInput, what + u": "_s + valid.error().message});
    }

    auto stored = db::CredentialRepository(db).set(organization->id, arguments.pemsUrl, *key,
                                                   *cipher, actor());
    secrets::wipe(*key);
    if (!stored)
        return failed(stored.error());
    if (arguments.json) {
        out() << QString::fromStdString(model::toJson(*stored).dump()) << Qt::endl;
        return 0;
    }
    out() << "PEMS credentials of " << stored->organizationCode << " stored: " << stored->pemsUrl
          << ", API key encrypted with data key " << stored->keyId << Qt::endl;
    return 0;
}

int list(const QSqlDatabase& db, const CredentialsArguments& arguments)
{
    auto rows = db::CredentialRepository(db).list();
    if (!rows)
        return failed(rows.error());
    if (arguments.json) {
        nlohmann::json body = nlohmann::json::array();
        for (const auto& row : *rows)
            body.push_back(model::toJson(row));
        out() << QString::fromStdString(body.dump()) << Qt::endl;
        return 0;
    }
    qsizetype urlWidth = 8;
    for (const auto& row : *rows)
        urlWidth = std::max(urlWidth, row.pemsUrl.size());
    out() << u"%1  %2  %3  %4"_s.arg(u"Organization"_s, -12)
                 .arg(u"PEMS URL"_s, -int(urlWidth))
                 .arg(u"Data key"_s, -16)
                 .arg(u"Updated"_s)
          << "\n";
    for (const auto& row : *rows)
        out() << u"%1  %2  %3  %4"_s.arg(row.organizationCode, -12)
                     .arg(row.pemsUrl, -int(urlWidth))
                     .arg(row.keyId, -16)
                     .arg(model::toIsoUtc(row.updatedAt))
              << "\n";
    out() << rows->size() << (rows->size() == 1 ? " organization" : " organizations")
          << " with their own PEMS credentials; the others use PEMS_WRITE_API_URL and"
             " PEMS_WRITE_API_KEY"
          << Qt::endl;
    return 0;
}

int rotate(const QSqlDatabase& db, const config::Settings& settings,
           const CredentialsArguments& arguments)
{
    auto current = currentCipher(settings);
    if (!current)
        return current.error();
    // The new key file must be as private as the one it replaces.
    auto next =
        secrets::KeyFileSource(arguments.newKeyFile, secrets::KeyFileSource::Kind::KeyFile).load();
    if (!next)
        return failed(Error{ErrorCode::Config, u"--new-key-file: "_s + next.error().message,
                            u"--new-key-file"_s});
    const secrets::CredentialCipher nextCipher(std::move(*next));
    auto rotation = db::CredentialRepository(db).rotate(*current, nextCipher, actor());
    if (!rotation)
        return failed(rotation.error());
    if (arguments.json) {
        out() << QString::fromStdString(
                     nlohmann::json{{"reencrypted", rotation->reencrypted},
                                    {"alreadyCurrent", rotation->alreadyCurrent},
                                    {"fromKeyId", rotation->fromKeyId.toStdString()},
                                    {"toKeyId", rotation->toKeyId.toStdString()}}
                         .dump())
              << Qt::endl;
        return 0;
    }
    out() << "Re-encrypted " << rotation->reencrypted
          << (rotation->reencrypted == 1 ? " row" : " rows") << ": data key " << rotation->fromKeyId
          << " -> " << rotation->toKeyId;
    if (rotation->alreadyCurrent > 0)
        out() << " (" << rotation->alreadyCurrent << " already under " << rotation->toKeyId << ")";
    out() << ".\nNow install " << arguments.newKeyFile
          << " as the data key (PFA_DATA_KEY_FILE or the systemd credential) and restart the"
             " service and workers: the old key no longer opens any row."
          << Qt::endl;
    return 0;
}

} // namespace

int runCredentials(const Invocation& invocation)
{
    const auto settings = loadSettings(invocation);
    if (!settings)
        return failed(settings.error());
    const auto url = requireDatabaseUrl(*settings);
    if (!url) {
        err() << "pfa-sync: " << url.error().message << Qt::endl;
        return 2;
    }
    db::Database database(*url, u"pfa-sync credentials"_s);
    if (auto migrated = migrateDatabase(database, *url); !migrated)
        return failed(migrated.error());
    int code = 0;
    {
        // Gone before the connection is released, so that nothing still uses it then.
        auto connection = database.connection();
        if (!connection)
            return failed(connection.error());
        const CredentialsArguments& arguments = invocation.credentials;
        switch (arguments.action) {
        case CredentialsAction::Set:
            code = set(*connection, *settings, arguments);
            break;
        case CredentialsAction::List:
            code = list(*connection, arguments);
            break;
        case CredentialsAction::Rotate:
            code = rotate(*connection, *settings, arguments);
            break;
        }
    }
    database.releaseThreadConnection();
    return code;
}

} // namespace pfa::app
