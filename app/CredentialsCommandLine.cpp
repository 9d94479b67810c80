#include "CredentialsCommandLine.h"

using namespace Qt::StringLiterals;

namespace pfa::app {

namespace {

const QCommandLineOption PemsUrlOption(u"pems-url"_s,
                                       u"With credentials set: the organization's PEMS base URL"
                                       " (https, or http on loopback)."_s,
                                       u"URL"_s);
const QCommandLineOption NewKeyFileOption(u"new-key-file"_s,
                                          u"With credentials rotate: the file holding the new"
                                          " data key (mode 0600)."_s,
                                          u"FILE"_s);

const QString Usage = u"usage: credentials set CODE --pems-url URL (the API key on standard"
                      " input) | credentials list | credentials rotate --new-key-file FILE"_s;

} // namespace

QList<QCommandLineOption> credentialsOptions()
{
    return {PemsUrlOption, NewKeyFileOption};
}

Expected<CredentialsArguments> parseCredentialsCommand(const QCommandLineParser& parser,
                                                       const QStringList& positional)
{
    CredentialsArguments arguments;
    arguments.json = parser.isSet(u"json"_s);
    const QString action = positional.value(1);
    const auto refuse = [&](const QCommandLineOption& option) -> Expected<CredentialsArguments> {
        return fail(ErrorCode::InvalidInput,
                    u"--%1 does not apply to credentials %2"_s.arg(option.names().front(), action),
                    u"--"_s + option.names().front());
    };
    if (action == u"set"_s && positional.size() == 3) {
        arguments.action = CredentialsAction::Set;
        if (parser.isSet(NewKeyFileOption))
            return refuse(NewKeyFileOption);
        arguments.organizationCode = positional.at(2);
        arguments.pemsUrl = parser.value(PemsUrlOption).trimmed();
        if (arguments.pemsUrl.isEmpty())
            return fail(ErrorCode::InvalidInput,
                        u"credentials set needs --pems-url URL (the API key is read from standard"
                        " input, never from the command line)"_s,
                        u"--pems-url"_s);
        return arguments;
    }
    if (action == u"list"_s && positional.size() == 2) {
        arguments.action = CredentialsAction::List;
        for (const auto* option : {&PemsUrlOption, &NewKeyFileOption})
            if (parser.isSet(*option))
                return refuse(*option);
        return arguments;
    }
    if (action == u"rotate"_s && positional.size() == 2) {
        arguments.action = CredentialsAction::Rotate;
        if (parser.isSet(PemsUrlOption))
            return refuse(PemsUrlOption);
        arguments.newKeyFile = parser.value(NewKeyFileOption);
        if (arguments.newKeyFile.isEmpty())
            return fail(ErrorCode::InvalidInput, u"credentials rotate needs --new-key-file FILE"_s,
                        u"--new-key-file"_s);
        return arguments;
    }
    return fail(ErrorCode::InvalidInput, Usage);
}

} // namespace pfa::app
