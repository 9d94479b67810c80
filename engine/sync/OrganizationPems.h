#pragma once

#include "model/Error.h"
#include "pems/PemsConfig.h"

#include <QSqlDatabase>

#include <map>

namespace pfa::secrets {
class DataKeySource;
}

namespace pfa::sync {

// The PEMS of every organization that has its own (organization_api_credentials): `base` (the
// timeout, headers and other settings of the default PEMS) with the organization's URL and
// opened API key, by organization id; WorkerConfig::organizationPems takes it.
//
// No rows: an empty map, and no data key is needed. Rows but `dataKey` null: a Config error
// naming PFA_DATA_KEY_FILE. A key that cannot be read, a row that does not open or holds an
// unusable URL: a Config error naming the organization. No message carries a key.
[[nodiscard]] Expected<std::map<qint64, pems::PemsConfig>>
loadOrganizationPems(const QSqlDatabase& db, const secrets::DataKeySource* dataKey,
                     const pems::PemsConfig& base);

} // namespace pfa::sync
