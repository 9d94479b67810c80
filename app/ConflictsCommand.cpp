#include "ConflictsCommand.h"

#include "AdminSession.h"
#include "Console.h"
#include "TextTable.h"
#include "db/ConflictRepository.h"
#include "model/IsoDateTime.h"
#include "sync/ConflictResolver.h"

#include <nlohmann/json.hpp>

#include <map>
#include <set>

using namespace Qt::StringLiterals;

namespace pfa::app {

namespace {

QString fieldNames(const std::vector<model::PfaField>& fields)
{
    QStringList names;
    for (const model::PfaField field : fields)
        names << model::wireName(field);
    return names.join(u", "_s);
}

int list(const AdminSession& session, const AdminArguments& arguments)
{
    const QString command = u"conflicts list"_s;
    auto organizations = session.organizations(arguments.organizationCode);
    if (!organizations)
        return reportFailure(command, organizations.error());
    db::ConflictFilter filter{.organizationIds = {},
                              .status = arguments.conflictStatus,
                              .limit = arguments.limit,
                              .offset = arguments.offset};
    std::map<qint64, QString> codes;
    for (const auto& organization : *organizations) {
        filter.organizationIds.push_back(organization.id);
        codes[organization.id] = organization.code;
    }
    auto page = db::ConflictRepository(session.connection()).list(filter);
    if (!page)
        return reportFailure(command, page.error());
    if (arguments.json) {
        nlohmann::json rows = nlohmann::json::array();
        for (const auto& conflict : page->conflicts)
            rows.push_back(model::toJson(conflict));
        out() << QString::fromStdString(
                     nlohmann::json{{"conflicts", rows}, {"total", page->total}}.dump())
              << Qt::endl;
        return 0;
    }
    using Align = TextTable::Align;
    TextTable table({{u"Id"_s, Align::Right},
                     {u"Organization"_s},
                     {u"PFA"_s},
                     {u"Modification"_s, Align::Right},
                     {u"Conflicting fields"_s},
                     {u"Status"_s},
                     {u"Created"_s}});
    for (const auto& conflict : page->conflicts)
        table.addRow({QString::number(conflict.id), codes[conflict.organizationId], conflict.pfaId,
                      QString::number(conflict.modificationId), fieldNames(conflict.conflictFields),
                      model::toWire(conflict.status), model::toIsoUtc(conflict.createdAt)});
    out() << table.render() << "Showing " << page->conflicts.size() << " of " << page->total
          << (page->total == 1 ? " conflict" : " conflicts") << Qt::endl;
    return 0;
}

int show(const AdminSession& session, const AdminArguments& arguments)
{
    auto conflict = db::ConflictRepository(session.connection()).find(arguments.conflictId);
    if (!conflict)
        return reportFailure(u"conflicts show"_s, conflict.error());
    if (arguments.json) {
        out() << QString::fromStdString(model::toJson(*conflict).dump()) << Qt::endl;
        return 0;
    }
    const auto printable = TextTable::printable;
    out() << "Conflict " << conflict->id << " on " << printable(conflict->pfaId)
          << " (modification " << conflict->modificationId
          << "): " << model::toWire(conflict->status);
    if (conflict->resolution)
        out() << " with " << model::toWire(*conflict->resolution);
    out() << "\nBased on version " << conflict->localVersion << ", PEMS holds version "
          << conflict->pemsVersion << "; raised " << model::toIsoUtc(conflict->createdAt);
    if (conflict->resolvedAt)
        out() << ", resolved " << model::toIsoUtc(*conflict->resolvedAt) << " by user "
              << conflict->resolvedBy.value_or(0);
    out() << "\n\n";
    // Every field either side changed; the conflicting ones are marked.
    std::set<model::PfaField> fields;
    for (const auto* data : {&conflict->localData, &conflict->pemsData})
        for (const auto& [field, value] : *data)
            fields.insert(field);
    TextTable table({{u"Field"_s}, {u"Conflict"_s}, {u"Base"_s}, {u"Mine"_s}, {u"PEMS"_s}});
    const auto cell = [](const model::FieldMap& data, model::PfaField field) {
        const auto found = data.find(field);
        return found == data.end() ? u"-"_s : model::fieldValueToDisplayString(found->second);
    };
    for (const model::PfaField field : fields) {
        const bool conflicting =
            std::ranges::find(conflict->conflictFields, field) != conflict->conflictFields.end();
        table.addRow({model::wireName(field), conflicting ? u"yes"_s : u""_s,
                      cell(conflict->baseData, field), cell(conflict->localData, field),
                      cell(conflict->pemsData, field)});
    }
    out() << table.render() << Qt::flush;
    return 0;
}

int resolve(const AdminSession& session, const AdminArguments& arguments)
{
    const QString command = u"conflicts resolve"_s;
    auto user = session.actingUser(arguments.userEmail);
    if (!user)
        return reportFailure(command, user.error());
    auto resolved = sync::ConflictResolver(session.connection())
                        .resolve({.conflictId = arguments.conflictId,
                                  .strategy = arguments.strategy,
                                  .choices = arguments.fieldChoices},
                                 user->id);
    if (!resolved)
        return reportFailure(command, resolved.error());
    const bool sends = resolved->modification.status != model::SyncStatus::Discarded;
    const nlohmann::json applied =
        sends ? model::fieldMapToJson(resolved->modification.delta) : nlohmann::json::object();
    if (arguments.json) {
        out() << QString::fromStdString(nlohmann::json{
                     {"conflictId", resolved->conflict.id},
                     {"status", model::toWire(resolved->conflict.status).toStdString()},
                     {"resolution", model::toWire(arguments.strategy).toStdString()},
                     {"resolvedBy", user->email.toStdString()},
                     {"resolvedAt",
                      model::toIsoUtc(resolved->conflict.resolvedAt.value_or(QDateTime()))
                          .toStdString()},
                     {"modificationId", resolved->modification.id},
                     {"modificationStatus",
                      model::toWire(resolved->modification.status).toStdString()},
                     {"appliedChanges",
                      applied}}.dump())
              << Qt::endl;
        return 0;
    }
    out() << "Conflict " << resolved->conflict.id << " resolved with "
          << model::toWire(arguments.strategy) << " by " << user->email << ": modification "
          << resolved->modification.id << " is " << model::toWire(resolved->modification.status);
    if (sends)
        out() << ", sending " << TextTable::printable(QString::fromStdString(applied.dump()));
    out() << Qt::endl;
    return 0;
}

} // namespace

int runConflicts(const AdminSession& session, const AdminArguments& arguments)
{
    switch (arguments.action) {
    case AdminAction::ConflictsShow:
        return show(session, arguments);
    case AdminAction::ConflictsResolve:
        return resolve(session, arguments);
    default:
        return list(session, arguments);
    }
}

} // namespace pfa::app
