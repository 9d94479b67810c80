#pragma once

#include "model/Error.h"
#include "server/Principal.h"

#include <QByteArray>
#include <QDateTime>
#include <QStringList>
#include <QUrlQuery>

#include <nlohmann/json.hpp>

#include <initializer_list>
#include <optional>

namespace pfa::server {

// ?limit and ?offset of a list route, defaults applied.
struct PageRequest
{
    int limit = 100;
    int offset = 0;
};

// One authenticated request as a route handler sees it, with the strict readers every handler
// uses for its input: a wrong type, an unknown parameter or a bad date is InvalidInput naming it.
struct ApiCall
{
    QByteArray method;
    QString path;
    QStringList captures; // the {…} segments of the route, in order
    QUrlQuery query;
    QByteArray body;
    std::optional<Principal> principal; // nullopt on public routes

    [[nodiscard]] const Principal& caller() const { return *principal; }

    // The body as a JSON object (an empty body reads as {}).
    [[nodiscard]] Expected<nlohmann::json> jsonObject() const;
    // Refuses query parameters other than these.
    [[nodiscard]] Expected<void> allowOnly(std::initializer_list<QStringView> names) const;
    [[nodiscard]] Expected<std::optional<qint64>> queryId(const QString& name) const;
    [[nodiscard]] Expected<std::optional<QDateTime>> queryDate(const QString& name) const;
    [[nodiscard]] Expected<std::optional<int>> queryInt(const QString& name, int min,
                                                        int max) const;
    [[nodiscard]] std::optional<QString> queryText(const QString& name) const;
    // limit 1–500 (default 100), offset 0–1,000,000 (default 0): the paging of every list route.
    [[nodiscard]] Expected<PageRequest> queryPage() const;
    // A {…} segment that must be a positive id; `what` names it in the error.
    [[nodiscard]] Expected<qint64> captureId(int index, const QString& what) const;
};

// A positive 64-bit id written in decimal, or nullopt.
[[nodiscard]] std::optional<qint64> parseId(QStringView text);

} // namespace pfa::server
