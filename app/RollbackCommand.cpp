#include "RollbackCommand.h"

#include "AdminSession.h"
#include "Console.h"
#include "TextTable.h"
#include "sync/RollbackService.h"

#include <nlohmann/json.hpp>

using namespace Qt::StringLiterals;

namespace pfa::app {

namespace {

const QString CommandName = u"rollback"_s;

void print(const sync::RollbackResult& result, bool json)
{
    if (json) {
        nlohmann::json records = nlohmann::json::array();
        for (const auto& record : result.records) {
            nlohmann::json row = model::toJson(record.plan);
            row["modificationId"] = record.modification.id;
            row["queueId"] = record.queueItem.id;
            records.push_back(std::move(row));
        }
        out() << QString::fromStdString(
                     nlohmann::json{{"jobId", result.job.id}, {"records", records}}.dump())
              << Qt::endl;
        return;
    }
    using Align = TextTable::Align;
    TextTable table({{u"PFA"_s},
                     {u"From"_s, Align::Right},
                     {u"To"_s, Align::Right},
                     {u"Modification"_s, Align::Right},
                     {u"Queue id"_s, Align::Right},
                     {u"Fields restored"_s, Align::Left, 80}});
    for (const auto& record : result.records) {
        QStringList fields;
        for (const auto& change : record.plan.changes)
            fields << model::wireName(change.field) + u"="_s +
                          model::fieldValueToDisplayString(change.after);
        table.addRow({record.plan.pfaId, QString::number(record.plan.fromVersion),
                      QString::number(record.plan.toVersion),
                      QString::number(record.modification.id), QString::number(record.queueItem.id),
                      fields.join(u", "_s)});
    }
    out() << table.render() << "Rollback job " << result.job.id << ": " << result.records.size()
          << (result.records.size() == 1 ? " record" : " records") << " queued at high priority."
          << Qt::endl;
}

} // namespace

int runRollback(const AdminSession& session, const AdminArguments& arguments)
{
    auto user = session.actingUser(arguments.userEmail);
    if (!user)
        return reportFailure(CommandName, user.error());
    const sync::RollbackService rollbacks(session.connection());
    Expected<sync::RollbackResult> result;
    if (arguments.action == AdminAction::RollbackJob) {
        result = rollbacks.rollbackJob(arguments.jobId, arguments.reason, user->id);
    } else {
        auto organization = session.organization(arguments.organizationCode);
        if (!organization)
            return reportFailure(CommandName, organization.error());
        result = rollbacks.rollbackRecord({.organizationId = organization->id,
                                           .pfaId = arguments.pfaId,
                                           .toVersion = arguments.version,
                                           .reason = arguments.reason,
                                           .expectedFromVersion = std::nullopt},
                                          user->id);
    }
    if (!result)
        return reportFailure(CommandName, result.error());
    print(*result, arguments.json);
    return 0;
}

} // namespace pfa::app
