#include "AdminCommandLine.h"

#include "model/FieldValue.h"

#include <algorithm>

using namespace Qt::StringLiterals;

namespace pfa::app {

namespace {

const QCommandLineOption
    OrganizationOption(u"organization"_s,
                       u"With status, queue, conflicts list, rollback: the organization's code."_s,
                       u"CODE"_s);
const QCommandLineOption
    ClassOption(u"class"_s,
                u"With queue: only dead letters of this failure class (validation, transient,"
                " auth, needs_confirmation, rate_limit)."_s,
                u"CLASS"_s);
const QCommandLineOption AllOption(u"all"_s,
                                   u"With queue retry|discard: every dead letter that matches"
                                   " --organization and --class."_s);
const QCommandLineOption
    ReasonOption(u"reason"_s, u"With queue discard and rollback: why (required, audited)."_s,
                 u"TEXT"_s);
const QCommandLineOption StrategyOption(u"strategy"_s,
                                        u"With conflicts resolve: use_local, use_pems or merge."_s,
                                        u"NAME"_s);
const QCommandLineOption
    FieldOption(u"field"_s,
                u"With conflicts resolve --strategy merge: one conflicting field's outcome,"
                " FIELD=mine, FIELD=pems or FIELD=value:TEXT (repeat per field)."_s,
                u"FIELD=CHOICE"_s);
const QCommandLineOption
    StatusOption(u"status"_s,
                 u"With conflicts list: unresolved (default), resolved_auto, resolved_manual or"
                 " all."_s,
                 u"STATUS"_s);
const QCommandLineOption
    LimitOption(u"limit"_s, u"With conflicts list: at most N rows (1-500, default 100)."_s, u"N"_s);
const QCommandLineOption OffsetOption(u"offset"_s,
                                      u"With conflicts list: skip the first N matches."_s, u"N"_s);
const QCommandLineOption PfaOption(u"pfa"_s, u"With rollback: the record's PFA id."_s, u"ID"_s);
const QCommandLineOption ToVersionOption(u"to-version"_s,
                                         u"With rollback: the version whose values come back"
                                         " (also written --version N after rollback)."_s,
                                         u"N"_s);
const QCommandLineOption
    JobOption(u"job"_s, u"With rollback: undo everything this sync job applied."_s, u"ID"_s);

const QList<const QCommandLineOption*> AdminOnly{
    &OrganizationOption, &ClassOption, &AllOption,    &ReasonOption, &StrategyOption,  &FieldOption,
    &StatusOption,       &LimitOption, &OffsetOption, &PfaOption,    &ToVersionOption, &JobOption};

// The options shared with tokens, looked up by name on the program's parser.
const QString UserName = u"user"_s;
const QString JsonName = u"json"_s;

QString nameOf(const QCommandLineOption& option)
{
    return option.names().front();
}

class Reader
{
public:
    Reader(const QCommandLineParser& parser, QString command)
        : m_parser(parser)
        , m_command(std::move(command))
    {}

    // Refuses every admin option (and --user) that `allowed` does not name.
    Expected<void> only(std::initializer_list<const QCommandLineOption*> allowed,
                        bool takesUser) const
    {
        for (const auto* option : AdminOnly) {
            if (m_parser.isSet(*option) && std::ranges::find(allowed, option) == allowed.end())
                return fail(ErrorCode::InvalidInput,
                            u"--%1 does not apply to %2"_s.arg(nameOf(*option), m_command),
                            u"--"_s + nameOf(*option));
        }
        if (!takesUser && m_parser.isSet(UserName))
            return fail(ErrorCode::InvalidInput,
                        u"--user does not apply to %1 (it only reads)"_s.arg(m_command),
                        u"--user"_s);
        return {};
    }

    Expected<QString> required(const QCommandLineOption& option, const QString& what) const
    {
        const QString value = m_parser.value(option).trimmed();
        if (value.isEmpty())
            return fail(ErrorCode::InvalidInput,
                        u"%1 needs --%2 %3"_s.arg(m_command, nameOf(option), what),
                        u"--"_s + nameOf(option));
        return value;
    }

    Expected<QString> user() const
    {
        const QString value = m_parser.value(UserName).trimmed();
        if (value.isEmpty())
            return fail(
                ErrorCode::InvalidInput,
                u"%1 needs --user LOGIN (the e-mail of the user it acts as)"_s.arg(m_command),
                u"--user"_s);
        return value;
    }

    Expected<qint64> id(const QString& text, const QString& what) const
    {
        bool ok = false;
        const qint64 value = text.toLongLong(&ok);
        if (!ok || value < 1)
            return fail(
                ErrorCode::InvalidInput,
                u"%1: %2 must be a positive whole number, not \"%3\""_s.arg(m_command, what, text),
                what);
        return value;
    }

    Expected<qint64> optionId(const QCommandLineOption& option, const QString& what) const
    {
        auto text = required(option, what);
        if (!text)
            return std::unexpected(text.error());
        return id(*text, u"--"_s + nameOf(option));
    }

    const QCommandLineParser& parser() const { return m_parser; }
    const QString& command() const { return m_command; }

private:
    const QCommandLineParser& m_parser;
    QString m_command;
};

Expected<void> readFailureClass(const Reader& reader, AdminArguments& arguments)
{
    if (!reader.parser().isSet(ClassOption))
        return {};
    const QString text = reader.parser().value(ClassOption);
    const auto parsed = model::fromWire<model::FailureClass>(text);
    // Conflicts are resolved, never retried: they are no dead letters.
    if (!parsed || *parsed == model::FailureClass::Conflict)
        return fail(ErrorCode::InvalidInput,
                    u"--class must be validation, transient, auth, needs_confirmation or"
                    " rate_limit, not \"%1\""_s.arg(text),
                    u"--class"_s);
    arguments.failureClass = *parsed;
    return {};
}

Expected<void> parseQueue(const Reader& reader, const QStringList& positional,
                          AdminArguments& arguments)
{
    const QString action = positional.value(1);
    if (action == u"list"_s && positional.size() == 2) {
        arguments.action = AdminAction::QueueList;
        if (auto checked = reader.only({&OrganizationOption, &ClassOption}, false); !checked)
            return checked;
        arguments.organizationCode = reader.parser().value(OrganizationOption).trimmed();
        return readFailureClass(reader, arguments);
    }
    if (action != u"retry"_s && action != u"discard"_s)
        return fail(ErrorCode::InvalidInput,
                    u"usage: queue list [--organization CODE] [--class CLASS] | queue retry"
                    " ID… | --all [--organization CODE] [--class CLASS] --user LOGIN | queue"
                    " discard ID… | --all … --reason TEXT --user LOGIN"_s);
    const bool discard = action == u"discard"_s;
    arguments.action = discard ? AdminAction::QueueDiscard : AdminAction::QueueRetry;
    if (auto checked =
            discard
                ? reader.only({&OrganizationOption, &ClassOption, &AllOption, &ReasonOption}, true)
                : reader.only({&OrganizationOption, &ClassOption, &AllOption}, true);
        !checked)
        return checked;
    arguments.all = reader.parser().isSet(AllOption);
    if (arguments.all == (positional.size() > 2))
        return fail(ErrorCode::InvalidInput,
                    u"%1 needs the dead letters' queue ids or --all, one of the two"_s.arg(
                        reader.command()));
    if (!arguments.all &&
        (reader.parser().isSet(OrganizationOption) || reader.parser().isSet(ClassOption)))
        return fail(ErrorCode::InvalidInput,
                    u"%1: --organization and --class filter --all; with ids, name only the"
                    " ids"_s.arg(reader.command()));
    for (const QString& text : positional.mid(2)) {
        auto id = reader.id(text, u"queue id"_s);
        if (!id)
            return std::unexpected(id.error());
        if (std::ranges::find(arguments.queueIds, *id) == arguments.queueIds.end())
            arguments.queueIds.push_back(*id);
    }
    arguments.organizationCode = reader.parser().value(OrganizationOption).trimmed();
    if (auto read = readFailureClass(reader, arguments); !read)
        return read;
    if (discard) {
        auto reason = reader.required(ReasonOption, u"TEXT (why the changes are dropped)"_s);
        if (!reason)
            return std::unexpected(reason.error());
        arguments.reason = *reason;
    }
    auto user = reader.user();
    if (!user)
        return std::unexpected(user.error());
    arguments.userEmail = *user;
    return {};
}

Expected<sync::FieldChoice> choiceFrom(model::PfaField field, const QString& text)
{
    if (text == u"mine"_s)
        return sync::FieldChoice{.source = sync::FieldChoice::Source::Mine, .edited = {}};
    if (text == u"pems"_s)
        return sync::FieldChoice{.source = sync::FieldChoice::Source::Pems, .edited = {}};
    if (!text.startsWith(u"value:"_s))
        return fail(ErrorCode::InvalidInput,
                    u"--field %1= must be mine, pems or value:TEXT, not \"%2\""_s.arg(
                        model::wireName(field), text),
                    u"--field"_s);
    const QString value = text.mid(6);
    nlohmann::json json;
    if (value.isEmpty())
        json = nullptr; // value: with nothing after it clears the field
    else if (model::fieldSpec(field).kind == model::FieldKind::Bool && value == u"true"_s)
        json = true;
    else if (model::fieldSpec(field).kind == model::FieldKind::Bool && value == u"false"_s)
        json = false;
    else
        json = value.toStdString();
    auto parsed = model::fieldValueFromJson(field, json);
    if (!parsed) {
        Error error = parsed.error();
        error.message = u"--field %1: %2"_s.arg(model::wireName(field), error.message);
        error.field = u"--field"_s;
        return std::unexpected(error);
    }
    return sync::FieldChoice{.source = sync::FieldChoice::Source::Edited, .edited = *parsed};
}

Expected<void> parseConflicts(const Reader& reader, const QStringList& positional,
                              AdminArguments& arguments)
{
    const QString action = positional.value(1);
    const QCommandLineParser& parser = reader.parser();
    if (action == u"list"_s && positional.size() == 2) {
        arguments.action = AdminAction::ConflictsList;
        if (auto checked = reader.only(
                {&OrganizationOption, &StatusOption, &LimitOption, &OffsetOption}, false);
            !checked)
            return checked;
        arguments.organizationCode = parser.value(OrganizationOption).trimmed();
        if (parser.isSet(StatusOption)) {
            const QString status = parser.value(StatusOption);
            if (status == u"all"_s)
                arguments.conflictStatus.reset();
            else if (const auto parsed = model::fromWire<model::ConflictStatus>(status))
                arguments.conflictStatus = *parsed;
            else
                return fail(ErrorCode::InvalidInput,
                            u"--status must be unresolved, resolved_auto, resolved_manual or all,"
                            " not \"%1\""_s.arg(status),
                            u"--status"_s);
        }
        for (auto [option, target, low, high] :
             {std::tuple{&LimitOption, &arguments.limit, 1, 500},
              std::tuple{&OffsetOption, &arguments.offset, 0, 1'000'000}}) {
            if (!parser.isSet(*option))
                continue;
            bool ok = false;
            const int value = parser.value(*option).toInt(&ok);
            if (!ok || value < low || value > high)
                return fail(ErrorCode::InvalidInput,
                            u"--%1 needs a whole number from %2 to %3, not \"%4\""_s.arg(
                                nameOf(*option), QString::number(low), QString::number(high),
                                parser.value(*option)),
                            u"--"_s + nameOf(*option));
            *target = value;
        }
        return {};
    }
    const bool show = action == u"show"_s;
    if ((!show && action != u"resolve"_s) || positional.size() != 3)
        return fail(ErrorCode::InvalidInput,
                    u"usage: conflicts list [--organization CODE] [--status STATUS] [--limit N]"
                    " [--offset N] | conflicts show ID | conflicts resolve ID --strategy"
                    " use_local|use_pems|merge [--field FIELD=mine|pems|value:TEXT]… --user"
                    " LOGIN"_s);
    auto id = reader.id(positional.at(2), u"conflict id"_s);
    if (!id)
        return std::unexpected(id.error());
    arguments.conflictId = *id;
    if (show) {
        arguments.action = AdminAction::ConflictsShow;
        return reader.only({}, false);
    }
    arguments.action = AdminAction::ConflictsResolve;
    if (auto checked = reader.only({&StrategyOption, &FieldOption}, true); !checked)
        return checked;
    auto strategyText = reader.required(StrategyOption, u"use_local|use_pems|merge"_s);
    if (!strategyText)
        return std::unexpected(strategyText.error());
    const auto strategy = model::fromWire<model::Resolution>(*strategyText);
    if (!strategy)
        return fail(
            ErrorCode::InvalidInput,
            u"--strategy must be use_local, use_pems or merge, not \"%1\""_s.arg(*strategyText),
            u"--strategy"_s);
    arguments.strategy = *strategy;
    const QStringList fields = parser.values(FieldOption);
    if (*strategy != model::Resolution::Merge && !fields.isEmpty())
        return fail(ErrorCode::InvalidInput, u"--field only applies to --strategy merge"_s,
                    u"--field"_s);
    if (*strategy == model::Resolution::Merge && fields.isEmpty())
        return fail(ErrorCode::InvalidInput,
                    u"--strategy merge needs a --field FIELD=mine|pems|value:TEXT per conflicting"
                    " field"_s,
                    u"--field"_s);
    for (const QString& assignment : fields) {
        const qsizetype equals = assignment.indexOf(u'=');
        const QString name = equals < 0 ? assignment : assignment.left(equals);
        const auto field = model::fieldFromWire(name);
        if (!field)
            return fail(
                ErrorCode::InvalidInput,
                u"--field: \"%1\" is not a PFA field (e.g. forecastEnd, description)"_s.arg(name),
                u"--field"_s);
        if (equals < 0)
            return fail(ErrorCode::InvalidInput,
                        u"--field %1 needs =mine, =pems or =value:TEXT"_s.arg(name), u"--field"_s);
        if (arguments.fieldChoices.contains(*field))
            return fail(ErrorCode::InvalidInput, u"--field %1 is given twice"_s.arg(name),
                        u"--field"_s);
        auto choice = choiceFrom(*field, assignment.mid(equals + 1));
        if (!choice)
            return std::unexpected(choice.error());
        arguments.fieldChoices.emplace(*field, std::move(*choice));
    }
    auto user = reader.user();
    if (!user)
        return std::unexpected(user.error());
    arguments.userEmail = *user;
    return {};
}

Expected<void> parseRollback(const Reader& reader, const QStringList& positional,
                             AdminArguments& arguments)
{
    const QCommandLineParser& parser = reader.parser();
    const bool job = parser.isSet(JobOption);
    const bool record = parser.isSet(OrganizationOption) || parser.isSet(PfaOption) ||
                        parser.isSet(ToVersionOption);
    if (positional.size() != 1 || job == record)
        return fail(ErrorCode::InvalidInput,
                    u"usage: rollback --organization CODE --pfa ID --version N --reason TEXT"
                    " --user LOGIN | rollback --job ID --reason TEXT --user LOGIN"_s);
    if (job) {
        arguments.action = AdminAction::RollbackJob;
        if (auto checked = reader.only({&JobOption, &ReasonOption}, true); !checked)
            return checked;
        auto id = reader.optionId(JobOption, u"ID"_s);
        if (!id)
            return std::unexpected(id.error());
        arguments.jobId = *id;
    } else {
        arguments.action = AdminAction::RollbackRecord;
        if (auto checked = reader.only(
                {&OrganizationOption, &PfaOption, &ToVersionOption, &ReasonOption}, true);
            !checked)
            return checked;
        auto code = reader.required(OrganizationOption, u"CODE"_s);
        if (!code)
            return std::unexpected(code.error());
        auto pfa = reader.required(PfaOption, u"ID"_s);
        if (!pfa)
            return std::unexpected(pfa.error());
        if (!parser.isSet(ToVersionOption))
            return fail(ErrorCode::InvalidInput, u"rollback needs --version N"_s, u"--version"_s);
        auto version = reader.id(parser.value(ToVersionOption), u"--version"_s);
        if (!version)
            return std::unexpected(version.error());
        arguments.organizationCode = *code;
        arguments.pfaId = *pfa;
        arguments.version = *version;
    }
    auto reason = reader.required(ReasonOption, u"TEXT (why, kept in the audit log)"_s);
    if (!reason)
        return std::unexpected(reason.error());
    arguments.reason = *reason;
    auto user = reader.user();
    if (!user)
        return std::unexpected(user.error());
    arguments.userEmail = *user;
    return {};
}

} // namespace

QList<QCommandLineOption> adminOptions()
{
    QList<QCommandLineOption> options;
    for (const auto* option : AdminOnly)
        options.push_back(*option);
    return options;
}

bool isAdminCommand(const QString& word)
{
    return word == u"status"_s || word == u"queue"_s || word == u"conflicts"_s ||
           word == u"rollback"_s;
}

QStringList renameRollbackVersion(QCommandLineParser& probe, const QStringList& arguments)
{
    // Probe with `--version=N` split, so the probe parses whatever the real parse will.
    QStringList split;
    for (const QString& argument : arguments) {
        if (argument.startsWith(u"--version="_s))
            split << u"--version"_s << argument.mid(10);
        else
            split << argument;
    }
    if (!probe.parse(split) || probe.positionalArguments().value(0) != u"rollback"_s)
        return arguments;
    QStringList renamed;
    for (const QString& argument : arguments) {
        if (argument == u"--version"_s)
            renamed << u"--to-version"_s;
        else if (argument.startsWith(u"--version="_s))
            renamed << u"--to-version="_s + argument.mid(10);
        else
            renamed << argument;
    }
    return renamed;
}

Expected<AdminArguments> parseAdminCommand(const QCommandLineParser& parser,
                                           const QStringList& positional)
{
    AdminArguments arguments;
    arguments.json = parser.isSet(JsonName);
    const QString word = positional.value(0);
    const Reader reader(parser, positional.mid(0, 2).join(u' '));
    Expected<void> parsed;
    if (word == u"status"_s) {
        if (positional.size() != 1)
            return fail(ErrorCode::InvalidInput, u"usage: status [--organization CODE] [--json]"_s);
        arguments.action = AdminAction::Status;
        parsed = reader.only({&OrganizationOption}, false);
        arguments.organizationCode = parser.value(OrganizationOption).trimmed();
    } else if (word == u"queue"_s) {
        parsed = parseQueue(reader, positional, arguments);
    } else if (word == u"conflicts"_s) {
        parsed = parseConflicts(reader, positional, arguments);
    } else if (word == u"rollback"_s) {
        parsed = parseRollback(Reader(parser, word), positional, arguments);
    } else {
        return fail(ErrorCode::InvalidInput, u"\"%1\" is not an admin command"_s.arg(word));
    }
    if (!parsed)
        return std::unexpected(parsed.error());
    arguments.command = word == u"rollback"_s ? word : reader.command();
    return arguments;
}

} // namespace pfa::app
