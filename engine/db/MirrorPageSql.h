#pragma once

#include <QString>
#include <QStringList>

// Pieces of the statements that store or compare a page of PEMS records with the mirror.
namespace pfa::db {

// The field catalog's wire names in catalog order as a text[] literal, bound as
// CAST(:catalog AS text[]) to order changed_fields as MirrorRepository does.
[[nodiscard]] QString catalogArrayLiteral();

// SQL (fixed text, no input) for the text[] of keys whose values differ between two jsonb
// records, in catalog order; a key missing on one side counts as null, as model::changedFields
// does. `before` and `after` are SQL expressions of type jsonb (NULL counts as {}); the statement
// must bind :catalog to catalogArrayLiteral(). Both sides must be written by
// model::fieldMapToJson, so equal values have equal JSON.
[[nodiscard]] QString changedKeysSql(const QString& before, const QString& after);

// A text[] literal of `values` (each quoted, backslash and quote escaped, so any pfa id
// round-trips), bound as CAST(:ids AS text[]): the page's keys as an array, so the planner looks
// the page up by key instead of reading the organization's whole mirror (it cannot see how many
// rows a JSON parameter holds).
[[nodiscard]] QString textArrayLiteral(const QStringList& values);

} // namespace pfa::db
