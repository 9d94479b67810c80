#include "CommandLine.h"

#include "config/PasswordMask.h"

#include <QCommandLineParser>

using namespace Qt::StringLiterals;

namespace pfa::app {

namespace {

const QCommandLineOption
    SetOption(u"set"_s,
              u"Set a setting, e.g. --set WRITE_SYNC_BATCH_SIZE=50 (repeatable;"
              " wins over the environment and the --config file)."_s,
              u"NAME=VALUE"_s);
const QCommandLineOption ConfigOption(u"config"_s, u"Read settings from this INI file."_s,
                                      u"FILE"_s);
const QCommandLineOption
    DemoOption(u"demo"_s,
               u"Run the whole write path on sample data: a private PostgreSQL, pems-sim, about a"
               " thousand changes synced by the worker, and a summary."_s);
const QCommandLineOption
    DataDirOption(u"data-dir"_s,
                  u"With --demo: keep the demo cluster in DIR (re-used on the next run)"
                  " instead of a temporary directory."_s,
                  u"DIR"_s);
const QCommandLineOption
    RecordsOption(u"records"_s, u"With --demo: sample records per organization (default 300)."_s,
                  u"N"_s);
const QCommandLineOption WorkerIdOption(u"worker-id"_s,
                                        u"With worker: the name this worker's leases carry"
                                        " (default host:pid)."_s,
                                        u"ID"_s);
const QCommandLineOption
    ServiceOption(u"service"_s,
                  u"Run headless as a server: the REST + WebSocket API, metrics and health, and the"
                  " write worker, until SIGTERM/SIGINT."_s);
const QCommandLineOption
    UserOption(u"user"_s,
               u"With tokens create/list: the user's e-mail address; with queue retry|discard,"
               " conflicts resolve and rollback: the user (e-mail) who acts."_s,
               u"EMAIL"_s);
const QCommandLineOption NameOption(u"name"_s,
                                    u"With tokens create: what the token is for (1-200"
                                    " characters), e.g. \"ci-deploy\"."_s,
                                    u"NAME"_s);
const QCommandLineOption ExpiresOption(u"expires"_s,
                                       u"With tokens create: days until the token expires"
                                       " (default: never)."_s,
                                       u"DAYS"_s);
const QCommandLineOption
    JsonOption(u"json"_s,
               u"With tokens, credentials and the admin commands: JSON instead of a table."_s);
const QCommandLineOption LogFormatOption(u"log-format"_s,
                                         u"How log lines look on stderr: text (default) or json"
                                         " (one object per line: time, level, category,"
                                         " message, pid)."_s,
                                         u"FORMAT"_s, u"text"_s);
const QCommandLineOption HelpOption({u"h"_s, u"help"_s}, u"Show this help."_s);
const QCommandLineOption VersionOption({u"v"_s, u"version"_s}, u"Show the version."_s);

void describe(QCommandLineParser& parser)
{
    parser.setApplicationDescription(
        u"pfa-sync keeps PFA Vanguard and PEMS in step, in both directions.\n\n"
        "Commands:\n"
        "  migrate        Apply the database migrations this version carries (DATABASE_URL).\n"
        "  config show    Print the effective settings, where each comes from, secrets masked.\n"
        "  worker         Run the write worker headless until SIGTERM/SIGINT (DATABASE_URL,\n"
        "                 PEMS_WRITE_API_URL, PEMS_WRITE_API_KEY).\n"
        "  tokens create --user EMAIL --name NAME [--expires DAYS]\n"
        "                 Issue an API token for --service (printed once).\n"
        "  tokens list [--user EMAIL]   List API tokens (never the tokens themselves).\n"
        "  tokens revoke ID             Revoke an API token at once.\n"
        "  credentials set CODE --pems-url URL   Store an organization's own PEMS URL and API key\n"
        "                 (the key read from standard input), encrypted with the data key\n"
        "                 (PFA_DATA_KEY_FILE or the systemd credential pfa-data-key).\n"
        "  credentials list             Organizations with their own PEMS: URL, data key id.\n"
        "  credentials rotate --new-key-file FILE   Re-encrypt every stored key under a new\n"
        "                 data key (all or nothing); then install FILE as the data key.\n"
        "  status [--organization CODE]  Queue, dead letters, conflicts, pause per organization.\n"
        "  queue list [--organization CODE] [--class CLASS]   List dead letters.\n"
        "  queue retry ID… | --all [--organization CODE] [--class CLASS] --user LOGIN\n"
        "  queue discard ID… | --all … --reason TEXT --user LOGIN\n"
        "  conflicts list [--organization CODE] [--status STATUS] [--limit N] [--offset N]\n"
        "  conflicts show ID\n"
        "  conflicts resolve ID --strategy use_local|use_pems|merge\n"
        "                 [--field FIELD=mine|pems|value:TEXT]… --user LOGIN\n"
        "  rollback --organization CODE --pfa ID --version N --reason TEXT --user LOGIN\n"
        "  rollback --job ID --reason TEXT --user LOGIN\n"
        "                 The admin commands work on the database (DATABASE_URL) as --user;\n"
        "                 exit code 0 done, 1 failed or refused, 2 bad arguments or settings.\n\n"
        "Settings come from --set flags, then the environment, then the --config file, then\n"
        "defaults (see `pfa-sync config show`)."_s);
    parser.addOptions({SetOption, ConfigOption, DemoOption, DataDirOption, RecordsOption,
                       WorkerIdOption, ServiceOption, UserOption, NameOption, ExpiresOption,
                       JsonOption, LogFormatOption, HelpOption, VersionOption});
    parser.addOptions(adminOptions());
    parser.addOptions(credentialsOptions());
    parser.addPositionalArgument(
        u"command"_s,
        u"migrate | config show | worker | tokens ... | credentials ... | status | queue ... |"
        " conflicts ... | rollback"_s,
        u"[command]"_s);
}

Expected<void> parseTokens(const QCommandLineParser& parser, const QStringList& positional,
                           Invocation& invocation)
{
    invocation.command = Command::Tokens;
    invocation.json = parser.isSet(JsonOption);
    invocation.userEmail = parser.value(UserOption);
    const QString action = positional.value(1);
    const auto only =
        [&](std::initializer_list<const QCommandLineOption*> allowed) -> Expected<void> {
        for (const auto* option : {&UserOption, &NameOption, &ExpiresOption}) {
            if (parser.isSet(*option) && std::ranges::find(allowed, option) == allowed.end())
                return fail(ErrorCode::InvalidInput, u"--%1 does not apply to tokens %2"_s.arg(
                                                         option->names().front(), action));
        }
        return {};
    };
    if (action == u"create"_s && positional.size() == 2) {
        invocation.tokenAction = TokenAction::Create;
        if (auto checked = only({&UserOption, &NameOption, &ExpiresOption}); !checked)
            return checked;
        invocation.tokenName = parser.value(NameOption).trimmed();
        if (invocation.userEmail.isEmpty())
            return fail(ErrorCode::InvalidInput, u"tokens create needs --user EMAIL"_s,
                        u"--user"_s);
        if (invocation.tokenName.isEmpty() || invocation.tokenName.size() > 200)
            return fail(ErrorCode::InvalidInput,
                        u"tokens create needs --name NAME (1-200 characters)"_s, u"--name"_s);
        if (parser.isSet(ExpiresOption)) {
            bool ok = false;
            const int days = parser.value(ExpiresOption).toInt(&ok);
            if (!ok || days < 1 || days > 3650)
                return fail(ErrorCode::InvalidInput,
                            u"--expires needs a whole number of days between 1 and 3650"_s,
                            u"--expires"_s);
            invocation.expiresInDays = days;
        }
        return {};
    }
    if (action == u"list"_s && positional.size() == 2) {
        invocation.tokenAction = TokenAction::List;
        return only({&UserOption});
    }
    if (action == u"revoke"_s && positional.size() == 3) {
        invocation.tokenAction = TokenAction::Revoke;
        if (auto checked = only({}); !checked)
            return checked;
        bool ok = false;
        invocation.tokenId = positional.at(2).toLongLong(&ok);
        if (!ok || invocation.tokenId < 1)
            return fail(ErrorCode::InvalidInput,
                        u"tokens revoke needs the token's id (a positive number), not \"%1\""_s.arg(
                            positional.at(2)));
        return {};
    }
    return fail(ErrorCode::InvalidInput,
                u"usage: tokens create --user EMAIL --name NAME [--expires DAYS] | tokens list"
                " [--user EMAIL] | tokens revoke ID"_s);
}

} // namespace

QString helpText()
{
    QCommandLineParser parser;
    describe(parser);
    return parser.helpText();
}

Expected<Invocation> parseCommandLine(const QStringList& arguments)
{
    QCommandLineParser parser;
    describe(parser);
    QCommandLineParser probe;
    describe(probe);
    if (!parser.parse(renameRollbackVersion(probe, arguments)))
        return fail(ErrorCode::InvalidInput, parser.errorText());

    Invocation invocation;
    invocation.settingAssignments = parser.values(SetOption);
    invocation.configFile = parser.value(ConfigOption);
    invocation.dataDir = parser.value(DataDirOption);
    const QString logFormat = parser.value(LogFormatOption);
    if (logFormat != u"text"_s && logFormat != u"json"_s)
        return fail(ErrorCode::InvalidInput,
                    u"--log-format is text or json, not \"%1\""_s.arg(logFormat),
                    u"--log-format"_s);
    invocation.jsonLogs = logFormat == u"json"_s;
    for (const QString& assignment : std::as_const(invocation.settingAssignments)) {
        // The process list is readable by every user of the machine.
        if (assignment.startsWith(u"PEMS_WRITE_API_KEY="_s) ||
            config::containsUrlPassword(assignment))
            return fail(
                ErrorCode::InvalidInput,
                u"--set must not carry secrets (other users can read the command line): "
                "pass %1 through the environment instead"_s.arg(assignment.section(u'=', 0, 0)),
                u"--set"_s);
    }
    if (parser.isSet(RecordsOption)) {
        bool ok = false;
        invocation.recordsPerOrganization = parser.value(RecordsOption).toInt(&ok);
        if (!ok || invocation.recordsPerOrganization < 1 ||
            invocation.recordsPerOrganization > 100000)
            return fail(ErrorCode::InvalidInput,
                        u"--records needs a whole number between 1 and 100000"_s, u"--records"_s);
    }

    const QStringList positional = parser.positionalArguments();
    if (parser.isSet(HelpOption))
        invocation.command = Command::Help;
    else if (parser.isSet(VersionOption))
        invocation.command = Command::Version;
    else if (parser.isSet(DemoOption))
        invocation.command = Command::Demo;
    else if (positional == QStringList{u"migrate"_s})
        invocation.command = Command::Migrate;
    else if (positional == QStringList{u"config"_s, u"show"_s})
        invocation.command = Command::ConfigShow;
    else if (parser.isSet(ServiceOption))
        invocation.command = Command::Service;
    else if (positional == QStringList{u"worker"_s})
        invocation.command = Command::Worker;
    else if (!positional.isEmpty() && positional.front() == u"tokens"_s) {
        auto parsed = parseTokens(parser, positional, invocation);
        if (!parsed)
            return std::unexpected(parsed.error());
    } else if (!positional.isEmpty() && positional.front() == u"credentials"_s) {
        auto credentials = parseCredentialsCommand(parser, positional);
        if (!credentials)
            return std::unexpected(credentials.error());
        invocation.command = Command::Credentials;
        invocation.credentials = std::move(*credentials);
        invocation.json = invocation.credentials.json;
    } else if (!positional.isEmpty() && isAdminCommand(positional.front())) {
        auto admin = parseAdminCommand(parser, positional);
        if (!admin)
            return std::unexpected(admin.error());
        invocation.command = Command::Admin;
        invocation.admin = std::move(*admin);
    } else if (!positional.isEmpty())
        return fail(ErrorCode::InvalidInput,
                    u"unknown command \"%1\" (try --help)"_s.arg(positional.join(u' ')));

    if (parser.isSet(ServiceOption) && !positional.isEmpty())
        return fail(ErrorCode::InvalidInput, u"--service takes no command"_s);
    if (invocation.command != Command::Tokens) {
        for (const auto* option : {&UserOption, &NameOption, &ExpiresOption, &JsonOption}) {
            const bool admin = invocation.command == Command::Admin;
            const bool allowed =
                (option == &JsonOption && (admin || invocation.command == Command::Credentials)) ||
                (option == &UserOption && admin);
            if (parser.isSet(*option) && !allowed)
                return fail(ErrorCode::InvalidInput,
                            u"--%1 only applies to tokens"_s.arg(option->names().front()));
        }
    }
    if (invocation.command != Command::Admin) {
        for (const QCommandLineOption& option : adminOptions()) {
            if (parser.isSet(option))
                return fail(ErrorCode::InvalidInput,
                            u"--%1 only applies to status, queue, conflicts and rollback"_s.arg(
                                option.names().front()));
        }
    }
    if (invocation.command != Command::Credentials) {
        for (const QCommandLineOption& option : credentialsOptions()) {
            if (parser.isSet(option))
                return fail(ErrorCode::InvalidInput,
                            u"--%1 only applies to credentials"_s.arg(option.names().front()));
        }
    }
    if (parser.isSet(DemoOption) && !positional.isEmpty())
        return fail(ErrorCode::InvalidInput, u"--demo takes no command"_s);
    if ((parser.isSet(DataDirOption) || parser.isSet(RecordsOption)) &&
        invocation.command != Command::Demo)
        return fail(ErrorCode::InvalidInput, u"--data-dir and --records only apply to --demo"_s);
    invocation.workerId = parser.value(WorkerIdOption);
    if (parser.isSet(WorkerIdOption) && invocation.command != Command::Worker)
        return fail(ErrorCode::InvalidInput, u"--worker-id only applies to worker"_s);
    return invocation;
}

} // namespace pfa::app
