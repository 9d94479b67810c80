#pragma once

#include <QString>

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

} // namespace pfa::db
