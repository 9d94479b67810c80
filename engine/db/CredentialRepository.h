#pragma once

#include "model/Error.h"
#include "model/OrganizationCredential.h"

#include <QByteArrayView>
#include <QSqlDatabase>

#include <vector>

namespace pfa::secrets {
class CredentialCipher;
}

namespace pfa::db {

// A row with its API key opened; only for building the organization's PemsClient.
struct OpenedCredential
{
    model::OrganizationCredential credential;
    QString apiKey; // secret: never log, print or return it anywhere
};

// What `credentials rotate` did: every row is sealed under `toKeyId` afterwards.
struct CredentialRotation
{
    int reencrypted = 0;    // rows that were under `fromKeyId`
    int alreadyCurrent = 0; // rows already under `toKeyId` (a rotation run again)
    QString fromKeyId;
    QString toKeyId;
};

// organization_api_credentials: the PEMS URL and API key of organizations that have their own,
// the key sealed by secrets::CredentialCipher (AES-256-GCM, the organization id bound to it).
// Bound parameters only. Setting and rotating are audited; no audit entry, message or returned
// value carries an API key or its ciphertext.
class CredentialRepository final
{
public:
    explicit CredentialRepository(QSqlDatabase db);

    // Inserts or replaces the organization's row, sealed under the cipher's key.
    [[nodiscard]] Expected<model::OrganizationCredential>
    set(qint64 organizationId, const QString& pemsUrl, QByteArrayView apiKey,
        const secrets::CredentialCipher& cipher, const QString& actor) const;
    // Every row, by organization code.
    [[nodiscard]] Expected<std::vector<model::OrganizationCredential>> list() const;
    [[nodiscard]] Expected<int> count() const;
    // One organization's row with its key opened; NotFound when it has none.
    [[nodiscard]] Expected<OpenedCredential> open(qint64 organizationId,
                                                  const secrets::CredentialCipher& cipher) const;
    // Every row opened; the first row that does not open fails the whole call.
    [[nodiscard]] Expected<std::vector<OpenedCredential>>
    openAll(const secrets::CredentialCipher& cipher) const;
    // Re-seals every row under `next` in one transaction (all or nothing): rows under `current`
    // are opened with it, rows already under `next` are checked with it and kept.
    [[nodiscard]] Expected<CredentialRotation> rotate(const secrets::CredentialCipher& current,
                                                      const secrets::CredentialCipher& next,
                                                      const QString& actor) const;

private:
    [[nodiscard]] Expected<std::vector<OpenedCredential>>
    select(const QString& where, qint64 organizationId,
           const secrets::CredentialCipher& cipher) const;
    QSqlDatabase m_db;
};

} // namespace pfa::db
