#include "sync/OrganizationPems.h"

#include "db/CredentialRepository.h"
#include "secrets/CredentialCipher.h"
#include "secrets/DataKeySource.h"
#include "secrets/Wipe.h"
#include "sync/SyncLog.h"

using namespace Qt::StringLiterals;

namespace pfa::sync {

Expected<std::map<qint64, pems::PemsConfig>>
loadOrganizationPems(const QSqlDatabase& db, const secrets::DataKeySource* dataKey,
                     const pems::PemsConfig& base)
{
    const db::CredentialRepository repository(db);
    auto rows = repository.count();
    if (!rows)
        return std::unexpected(rows.error());
    std::map<qint64, pems::PemsConfig> configs;
    if (*rows == 0)
        return configs;
    if (dataKey == nullptr)
        return fail(ErrorCode::Config,
                    u"%1 organizations have their own PEMS credentials (pfa-sync credentials"
                    " list), but no data key is configured to decrypt them: set PFA_DATA_KEY_FILE"
                    " or pass the systemd credential pfa-data-key"_s.arg(*rows),
                    u"PFA_DATA_KEY_FILE"_s);
    auto key = dataKey->load();
    if (!key)
        return std::unexpected(key.error());
    const secrets::CredentialCipher cipher(std::move(*key));
    auto opened = repository.openAll(cipher);
    if (!opened)
        return fail(ErrorCode::Config, opened.error().message, u"PFA_DATA_KEY_FILE"_s);
    for (db::OpenedCredential& row : *opened) {
        pems::PemsConfig config = base;
        config.baseUrl = QUrl(row.credential.pemsUrl, QUrl::StrictMode);
        config.apiKey = std::move(row.apiKey);
        secrets::wipe(row.apiKey);
        if (auto valid = config.validate(); !valid)
            return fail(ErrorCode::Config,
                        u"the PEMS credentials of organization %1: %2"_s.arg(
                            row.credential.organizationCode, valid.error().toString()),
                        u"organization_api_credentials"_s);
        qCInfo(lcSync).noquote() << "organization" << row.credential.organizationCode
                                 << "uses its own PEMS at" << row.credential.pemsUrl << "(data key"
                                 << row.credential.keyId + u')';
        configs.emplace(row.credential.organizationId, std::move(config));
    }
    return configs;
}

} // namespace pfa::sync
