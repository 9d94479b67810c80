#include "StatusCommand.h"

#include "AdminSession.h"
#include "Console.h"
#include "TextTable.h"
#include "db/ConflictRepository.h"
#include "db/SyncStatusRepository.h"
#include "db/WritePauseRepository.h"
#include "model/IsoDateTime.h"
#include "model/JsonWrite.h"

#include <nlohmann/json.hpp>

using namespace Qt::StringLiterals;

namespace pfa::app {

namespace {

const QString CommandName = u"status"_s;

struct OrganizationStatus
{
    model::Organization organization;
    db::SyncStatusSummary summary;
    qint64 unresolvedConflicts = 0;
    std::optional<QString> pauseReason; // set: its writes are paused (by itself or all)
};

// "3d 4h", "12m 5s": how long the oldest open item has waited.
QString age(qint64 seconds)
{
    if (seconds < 60)
        return u"%1s"_s.arg(seconds);
    if (seconds < 3600)
        return u"%1m %2s"_s.arg(seconds / 60).arg(seconds % 60);
    if (seconds < 86400)
        return u"%1h %2m"_s.arg(seconds / 3600).arg(seconds % 3600 / 60);
    return u"%1d %2h"_s.arg(seconds / 86400).arg(seconds % 86400 / 3600);
}

Expected<std::vector<OrganizationStatus>> collect(const AdminSession& session,
                                                  const std::vector<model::Organization>& orgs,
                                                  const db::PauseState& pauses)
{
    std::vector<OrganizationStatus> rows;
    const db::SyncStatusRepository statuses(session.connection());
    const db::ConflictRepository conflicts(session.connection());
    for (const auto& organization : orgs) {
        auto summary =
            statuses.summary({.organizationId = organization.id, .since = {}, .until = {}});
        if (!summary)
            return std::unexpected(summary.error());
        auto open = conflicts.list({.organizationIds = {organization.id},
                                    .status = model::ConflictStatus::Unresolved,
                                    .limit = 1,
                                    .offset = 0});
        if (!open)
            return std::unexpected(open.error());
        OrganizationStatus row{.organization = organization,
                               .summary = *summary,
                               .unresolvedConflicts = open->total,
                               .pauseReason = pauses.allReason};
        if (const auto paused = pauses.organizationReasons.find(organization.id);
            paused != pauses.organizationReasons.end())
            row.pauseReason = paused->second;
        rows.push_back(std::move(row));
    }
    return rows;
}

} // namespace

int runStatus(const AdminSession& session, const AdminArguments& arguments)
{
    auto organizations = session.organizations(arguments.organizationCode);
    if (!organizations)
        return reportFailure(CommandName, organizations.error());
    auto pauses = db::WritePauseRepository(session.connection()).state();
    if (!pauses)
        return reportFailure(CommandName, pauses.error());
    auto rows = collect(session, *organizations, *pauses);
    if (!rows)
        return reportFailure(CommandName, rows.error());
    const QDateTime now = QDateTime::currentDateTimeUtc();
    const auto waited = [&](const OrganizationStatus& row) -> std::optional<qint64> {
        if (!row.summary.oldestOpenAt)
            return std::nullopt;
        return std::max<qint64>(0, row.summary.oldestOpenAt->secsTo(now));
    };

    if (arguments.json) {
        nlohmann::json list = nlohmann::json::array();
        for (const auto& row : *rows) {
            const auto& s = row.summary;
            list.push_back({{"organizationId", row.organization.id},
                            {"code", row.organization.code.toStdString()},
                            {"name", row.organization.name.toStdString()},
                            {"pending", s.pending},
                            {"processing", s.processing},
                            {"completed", s.completed},
                            {"deadLetters", s.failed},
                            {"conflictsWaiting", s.conflicts},
                            {"unresolvedConflicts", row.unresolvedConflicts},
                            {"oldestPendingAt", model::jsonOf(s.oldestOpenAt)},
                            {"oldestPendingAgeSeconds", model::jsonOf(waited(row))},
                            {"writes", row.pauseReason ? "paused" : "running"},
                            {"pauseReason", model::jsonOf(row.pauseReason)}});
        }
        out() << QString::fromStdString(nlohmann::json{
                     {"allPaused", pauses->allReason.has_value()},
                     {"allPauseReason", model::jsonOf(pauses->allReason)},
                     {"organizations",
                      list}}.dump())
              << Qt::endl;
        return 0;
    }

    using Align = TextTable::Align;
    TextTable table({{u"Organization"_s},
                     {u"Pending"_s, Align::Right},
                     {u"Processing"_s, Align::Right},
                     {u"Completed"_s, Align::Right},
                     {u"Dead letters"_s, Align::Right},
                     {u"Conflicts"_s, Align::Right},
                     {u"Oldest open"_s, Align::Right},
                     {u"Writes"_s}});
    for (const auto& row : *rows) {
        const auto& s = row.summary;
        const auto seconds = waited(row);
        table.addRow({row.organization.code, QString::number(s.pending),
                      QString::number(s.processing), QString::number(s.completed),
                      QString::number(s.failed), QString::number(row.unresolvedConflicts),
                      seconds ? age(*seconds) : u"-"_s,
                      row.pauseReason ? u"paused: "_s + *row.pauseReason : u"running"_s});
    }
    out() << table.render();
    if (pauses->allReason)
        out() << "The whole write path is paused: " << TextTable::printable(*pauses->allReason)
              << "\n";
    out() << rows->size() << (rows->size() == 1 ? " organization" : " organizations") << Qt::endl;
    return 0;
}

} // namespace pfa::app
