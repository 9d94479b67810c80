#include "QueueCommand.h"

#include "AdminSession.h"
#include "Console.h"
#include "TextTable.h"
#include "model/IsoDateTime.h"
#include "sync/DeadLetterService.h"

#include <nlohmann/json.hpp>

#include <map>

using namespace Qt::StringLiterals;

namespace pfa::app {

namespace {

QString commandName(AdminAction action)
{
    switch (action) {
    case AdminAction::QueueRetry:
        return u"queue retry"_s;
    case AdminAction::QueueDiscard:
        return u"queue discard"_s;
    default:
        return u"queue list"_s;
    }
}

void print(const std::vector<model::QueueItem>& items, const std::map<qint64, QString>& codes,
           bool json, const QString& summary)
{
    if (json) {
        nlohmann::json rows = nlohmann::json::array();
        for (const auto& item : items)
            rows.push_back(model::toJson(item));
        out() << QString::fromStdString(rows.dump()) << Qt::endl;
        return;
    }
    using Align = TextTable::Align;
    TextTable table({{u"Queue id"_s, Align::Right},
                     {u"Organization"_s},
                     {u"PFA"_s},
                     {u"Modification"_s, Align::Right},
                     {u"Status"_s},
                     {u"Class"_s},
                     {u"Retries"_s, Align::Right},
                     {u"Last attempt"_s},
                     {u"Last error"_s, Align::Left, 80}});
    for (const auto& item : items) {
        const auto code = codes.find(item.organizationId);
        table.addRow({QString::number(item.id),
                      code != codes.end() ? code->second : QString::number(item.organizationId),
                      item.pfaId, QString::number(item.modificationId), model::toWire(item.status),
                      item.failureClass ? model::toWire(*item.failureClass) : u"-"_s,
                      u"%1/%2"_s.arg(item.retryCount).arg(item.maxRetries),
                      item.lastAttemptAt ? model::toIsoUtc(*item.lastAttemptAt) : u"-"_s,
                      item.lastError});
    }
    out() << table.render() << summary << Qt::endl;
}

QString count(std::size_t n, const char* verb)
{
    return u"%1 dead letter%2 %3"_s.arg(n).arg(n == 1 ? u""_s : u"s"_s, QLatin1StringView(verb));
}

} // namespace

int runQueue(const AdminSession& session, const AdminArguments& arguments)
{
    const QString command = commandName(arguments.action);
    auto organizations = session.organizations({});
    if (!organizations)
        return reportFailure(command, organizations.error());
    std::map<qint64, QString> codes;
    for (const auto& organization : *organizations)
        codes[organization.id] = organization.code;
    sync::DeadLetterFilter filter{.organizationId = std::nullopt,
                                  .failureClass = arguments.failureClass};
    if (!arguments.organizationCode.isEmpty()) {
        auto organization = session.organization(arguments.organizationCode);
        if (!organization)
            return reportFailure(command, organization.error());
        filter.organizationId = organization->id;
    }
    const sync::DeadLetterService letters(session.connection());

    if (arguments.action == AdminAction::QueueList) {
        auto items = letters.list(filter);
        if (!items)
            return reportFailure(command, items.error());
        print(*items, codes, arguments.json, count(items->size(), "waiting for retry or discard"));
        return 0;
    }

    auto user = session.actingUser(arguments.userEmail);
    if (!user)
        return reportFailure(command, user.error());
    std::vector<qint64> ids = arguments.queueIds;
    if (arguments.all) {
        auto matching = letters.list(filter);
        if (!matching)
            return reportFailure(command, matching.error());
        ids.clear();
        for (const auto& item : *matching)
            ids.push_back(item.id);
    }
    if (ids.empty()) {
        print({}, codes, arguments.json, u"No dead letter matches: nothing changed."_s);
        return 0;
    }
    // The ids listed a moment ago, each locked and checked again inside the service's one
    // transaction: one that stopped being a dead letter meanwhile refuses the whole call.
    auto done = arguments.action == AdminAction::QueueRetry
                    ? letters.retry(ids, user->id)
                    : letters.discard(ids, arguments.reason, user->id);
    if (!done)
        return reportFailure(command, done.error());
    print(*done, codes, arguments.json,
          arguments.action == AdminAction::QueueRetry
              ? count(done->size(), "back in the queue (each record is re-read from PEMS first)")
              : count(done->size(), "discarded"));
    return 0;
}

} // namespace pfa::app
