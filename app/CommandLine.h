#pragma once

#include "AdminCommandLine.h"
#include "CredentialsCommandLine.h"
#include "model/Error.h"

#include <QString>
#include <QStringList>
#include <optional>

namespace pfa::app {

enum class Command
{
    Help,
    Version,
    Demo,
    Migrate,
    ConfigShow,
    Worker,
    Service,
    Tokens,
    Credentials,
    Admin, // status, queue …, conflicts …, rollback
};

enum class TokenAction
{
    Create,
    List,
    Revoke,
};

// What the user asked for, parsed before any application object exists so that main() can pick
// the right one (a QCoreApplication for headless commands).
struct Invocation
{
    Command command = Command::Help;
    QStringList settingAssignments;   // repeated --set NAME=VALUE
    QString configFile;               // --config
    QString dataDir;                  // --data-dir (demo)
    int recordsPerOrganization = 300; // --records (demo)
    QString workerId;                 // --worker-id (worker)
    TokenAction tokenAction = TokenAction::List;
    QString userEmail;                // --user (tokens create, tokens list)
    QString tokenName;                // --name (tokens create)
    std::optional<int> expiresInDays; // --expires (tokens create)
    qint64 tokenId = 0;               // tokens revoke ID
    bool json = false;                // --json
    bool jsonLogs = false;            // --log-format json
    AdminArguments admin;             // Command::Admin
    CredentialsArguments credentials; // Command::Credentials
};

[[nodiscard]] Expected<Invocation> parseCommandLine(const QStringList& arguments);
[[nodiscard]] QString helpText();

} // namespace pfa::app
