#pragma once

#include "model/Error.h"

#include <QCommandLineOption>
#include <QCommandLineParser>
#include <QList>
#include <QString>

namespace pfa::app {

enum class CredentialsAction
{
    Set,
    List,
    Rotate,
};

// What `credentials set|list|rotate` was asked to do. The API key is not among it: it is read
// from standard input, never from the command line, which every user of the machine can read.
struct CredentialsArguments
{
    CredentialsAction action = CredentialsAction::List;
    QString organizationCode; // set CODE
    QString pemsUrl;          // set --pems-url
    QString newKeyFile;       // rotate --new-key-file
    bool json = false;        // --json
};

// The options only `credentials` takes (registered on the program's one parser).
[[nodiscard]] QList<QCommandLineOption> credentialsOptions();
// Reads `credentials …` from a parser that has parsed the arguments; InvalidInput naming what is
// wrong.
[[nodiscard]] Expected<CredentialsArguments>
parseCredentialsCommand(const QCommandLineParser& parser, const QStringList& positional);

} // namespace pfa::app
