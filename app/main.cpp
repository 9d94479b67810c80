#include "AdminCommands.h"
#include "CommandLine.h"
#include "Commands.h"
#include "Console.h"
#include "CredentialsCommand.h"
#include "DemoCommand.h"
#include "ServiceCommand.h"
#include "TokensCommand.h"
#include "WorkerCommand.h"
#include "shared/JsonLog.h"

#include <QCoreApplication>

using namespace Qt::StringLiterals;

int main(int argc, char* argv[])
{
    QCoreApplication::setApplicationName(u"pfa-sync"_s);
    QCoreApplication::setApplicationVersion(QStringLiteral(PFA_VERSION));
    QCoreApplication::setOrganizationName(u"pfa-sync"_s);

    // Every mode built so far is headless; the console (a QApplication) arrives with the UI.
    QCoreApplication app(argc, argv);

    const auto invocation = pfa::app::parseCommandLine(QCoreApplication::arguments());
    if (!invocation) {
        pfa::app::err() << "pfa-sync: " << invocation.error().message << Qt::endl;
        return 2;
    }
    if (invocation->jsonLogs)
        pfa::app::JsonLog::install();
    switch (invocation->command) {
    case pfa::app::Command::Help:
        pfa::app::out() << pfa::app::helpText() << Qt::flush;
        return 0;
    case pfa::app::Command::Version:
        pfa::app::out() << "pfa-sync " << QCoreApplication::applicationVersion() << Qt::endl;
        return 0;
    case pfa::app::Command::ConfigShow:
        return pfa::app::runConfigShow(*invocation);
    case pfa::app::Command::Migrate:
        return pfa::app::runMigrate(*invocation);
    case pfa::app::Command::Worker:
        return pfa::app::runWorker(*invocation);
    case pfa::app::Command::Service:
        return pfa::app::runService(*invocation);
    case pfa::app::Command::Tokens:
        return pfa::app::runTokens(*invocation);
    case pfa::app::Command::Credentials:
        return pfa::app::runCredentials(*invocation);
    case pfa::app::Command::Admin:
        return pfa::app::runAdmin(*invocation);
    case pfa::app::Command::Demo:
        return pfa::app::DemoCommand(*invocation).run();
    }
    return 2;
}
