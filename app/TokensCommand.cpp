#include "TokensCommand.h"

#include "Console.h"
#include "Startup.h"
#include "db/Database.h"
#include "db/TokenRepository.h"
#include "db/UserRepository.h"
#include "model/IsoDateTime.h"

#include <nlohmann/json.hpp>

using namespace Qt::StringLiterals;

namespace pfa::app {

namespace {

// Who `tokens` acts as in the audit log: the operator at the machine.
QString actor()
{
    const QString user = qEnvironmentVariable("USER");
    return u"cli:"_s + (user.isEmpty() ? u"unknown"_s : user);
}

QString when(const std::optional<QDateTime>& at, const QString& otherwise)
{
    return at ? model::toIsoUtc(*at) : otherwise;
}

int failed(const Error& error)
{
    err() << "pfa-sync tokens: " << error.message << Qt::endl;
    return error.code == ErrorCode::InvalidInput ? 2 : 1;
}

int create(const QSqlDatabase& db, const Invocation& invocation)
{
    auto user = db::UserRepository(db).findByEmail(invocation.userEmail);
    if (!user)
        return failed(user.error());
    std::optional<QDateTime> expires;
    if (invocation.expiresInDays)
        expires = QDateTime::currentDateTimeUtc().addDays(*invocation.expiresInDays);
    auto issued = db::TokenRepository(db).issue(user->id, invocation.tokenName, expires, actor());
    if (!issued)
        return failed(issued.error());
    if (invocation.json) {
        nlohmann::json body = model::toJson(issued->token);
        body["token"] = issued->secret.toStdString();
        out() << QString::fromStdString(body.dump()) << Qt::endl;
        return 0;
    }
    out() << "Token " << issued->token.id << " (\"" << issued->token.name << "\") for "
          << user->email << ", expires " << when(issued->token.expiresAt, u"never"_s) << ":\n\n  "
          << issued->secret << "\n\nIt is shown this once; only its SHA-256 is stored. Send it as"
          << " \"Authorization: Bearer <token>\"." << Qt::endl;
    return 0;
}

int list(const QSqlDatabase& db, const Invocation& invocation)
{
    std::optional<qint64> userId;
    if (!invocation.userEmail.isEmpty()) {
        auto user = db::UserRepository(db).findByEmail(invocation.userEmail);
        if (!user)
            return failed(user.error());
        userId = user->id;
    }
    auto tokens = db::TokenRepository(db).list(userId);
    if (!tokens)
        return failed(tokens.error());
    if (invocation.json) {
        nlohmann::json rows = nlohmann::json::array();
        for (const auto& token : *tokens)
            rows.push_back(model::toJson(token));
        out() << QString::fromStdString(rows.dump()) << Qt::endl;
        return 0;
    }
    out() << u"%1  %2  %3  %4  %5  %6"_s.arg(u"Id"_s, 5)
                 .arg(u"User"_s, 6)
                 .arg(u"Name"_s, -24)
                 .arg(u"Created"_s, -24)
                 .arg(u"Last used"_s, -24)
                 .arg(u"State"_s)
          << "\n";
    const QDateTime now = QDateTime::currentDateTimeUtc();
    for (const auto& token : *tokens) {
        const QString state = token.revokedAt                              ? u"revoked"_s
                              : token.expiresAt && *token.expiresAt <= now ? u"expired"_s
                                                                           : u"active"_s;
        out() << u"%1  %2  %3  %4  %5  %6"_s.arg(token.id, 5)
                     .arg(token.userId, 6)
                     .arg(token.name.left(24), -24)
                     .arg(model::toIsoUtc(token.createdAt), -24)
                     .arg(when(token.lastUsedAt, u"never"_s), -24)
                     .arg(state)
              << "\n";
    }
    out() << tokens->size() << (tokens->size() == 1 ? " token" : " tokens") << Qt::endl;
    return 0;
}

int revoke(const QSqlDatabase& db, const Invocation& invocation)
{
    auto revoked = db::TokenRepository(db).revoke(invocation.tokenId, actor());
    if (!revoked)
        return failed(revoked.error());
    if (invocation.json)
        out() << QString::fromStdString(model::toJson(*revoked).dump()) << Qt::endl;
    else
        out() << "Token " << revoked->id << " (\"" << revoked->name << "\") revoked at "
              << when(revoked->revokedAt, {}) << Qt::endl;
    return 0;
}

} // namespace

int runTokens(const Invocation& invocation)
{
    const auto settings = loadSettings(invocation);
    if (!settings)
        return failed(settings.error());
    const auto url = requireDatabaseUrl(*settings);
    if (!url) {
        err() << "pfa-sync: " << url.error().message << Qt::endl;
        return 2;
    }
    db::Database database(*url, u"pfa-sync tokens"_s);
    if (auto migrated = migrateDatabase(database, *url); !migrated)
        return failed(migrated.error());
    auto connection = database.connection();
    if (!connection)
        return failed(connection.error());
    int code = 0;
    switch (invocation.tokenAction) {
    case TokenAction::Create:
        code = create(*connection, invocation);
        break;
    case TokenAction::List:
        code = list(*connection, invocation);
        break;
    case TokenAction::Revoke:
        code = revoke(*connection, invocation);
        break;
    }
    database.releaseThreadConnection();
    return code;
}

} // namespace pfa::app
