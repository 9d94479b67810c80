#pragma once

#include "model/ConflictStatus.h"
#include "model/Error.h"
#include "model/FailureClass.h"
#include "model/PfaField.h"
#include "model/Resolution.h"
#include "sync/ConflictResolver.h"

#include <QCommandLineOption>
#include <QCommandLineParser>
#include <QList>
#include <QString>

#include <map>
#include <optional>
#include <vector>

namespace pfa::app {

// The operator commands that work on the database through the engine services.
enum class AdminAction
{
    Status,
    QueueList,
    QueueRetry,
    QueueDiscard,
    ConflictsList,
    ConflictsShow,
    ConflictsResolve,
    RollbackRecord,
    RollbackJob,
};

// What `status`, `queue …`, `conflicts …` and `rollback …` were asked to do, checked as far as
// can be done without the database (ids numeric, strategy and fields known, required options).
struct AdminArguments
{
    AdminAction action = AdminAction::Status;
    QString command;                                 // "queue retry": what messages name
    QString userEmail;                               // --user: who acts (required for every change)
    QString organizationCode;                        // --organization
    std::optional<model::FailureClass> failureClass; // --class (queue)
    std::vector<qint64> queueIds;                    // queue retry|discard ID…
    bool all = false;                                // queue retry|discard --all
    QString reason;                                  // --reason (discard, rollback)
    qint64 conflictId = 0;                           // conflicts show|resolve ID
    std::optional<model::ConflictStatus> conflictStatus = model::ConflictStatus::Unresolved;
    int limit = 100;                                           // conflicts list --limit
    int offset = 0;                                            // conflicts list --offset
    model::Resolution strategy = model::Resolution::UseLocal;  // --strategy
    std::map<model::PfaField, sync::FieldChoice> fieldChoices; // --field NAME=CHOICE (merge)
    QString pfaId;                                             // rollback --pfa
    qint64 version = 0;                                        // rollback --version
    qint64 jobId = 0;                                          // rollback --job
    bool json = false;                                         // --json
};

// The options only these commands take (registered on the program's one parser).
[[nodiscard]] QList<QCommandLineOption> adminOptions();
// True when `word` starts one of these commands.
[[nodiscard]] bool isAdminCommand(const QString& word);
// `rollback --version N` names a record's version, not the program's: the arguments with that
// option renamed to --to-version when the command is rollback, unchanged otherwise. `probe`: a
// parser holding the program's options, used to find the command.
[[nodiscard]] QStringList renameRollbackVersion(QCommandLineParser& probe,
                                                const QStringList& arguments);
// Reads an admin command from a parser that has parsed the arguments; InvalidInput naming the
// option or argument that is wrong.
[[nodiscard]] Expected<AdminArguments> parseAdminCommand(const QCommandLineParser& parser,
                                                         const QStringList& positional);

} // namespace pfa::app
