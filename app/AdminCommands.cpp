#include "AdminCommands.h"

#include "AdminSession.h"
#include "ConflictsCommand.h"
#include "QueueCommand.h"
#include "RollbackCommand.h"
#include "StatusCommand.h"

namespace pfa::app {

int runAdmin(const Invocation& invocation)
{
    const AdminArguments& arguments = invocation.admin;
    auto session = AdminSession::open(invocation);
    if (!session)
        return reportFailure(arguments.command, session.error());
    switch (arguments.action) {
    case AdminAction::Status:
        return runStatus(**session, arguments);
    case AdminAction::QueueList:
    case AdminAction::QueueRetry:
    case AdminAction::QueueDiscard:
        return runQueue(**session, arguments);
    case AdminAction::ConflictsList:
    case AdminAction::ConflictsShow:
    case AdminAction::ConflictsResolve:
        return runConflicts(**session, arguments);
    case AdminAction::RollbackRecord:
    case AdminAction::RollbackJob:
        return runRollback(**session, arguments);
    }
    return 2;
}

} // namespace pfa::app
