#pragma once

#include "model/Error.h"
#include "secrets/DataKey.h"

#include <QByteArray>
#include <QByteArrayView>
#include <QString>

namespace pfa::secrets {

// AES-256-GCM (OpenSSL EVP) for the PEMS keys in organization_api_credentials. A sealed value is
// nonce (12 random bytes, new for every encryption) || ciphertext || tag (16 bytes). The
// organization's id is bound as associated data, so a value copied into another organization's
// row does not decrypt. Every failure is an error value, never an exception or a crash, and no
// message carries key material or plaintext.
class CredentialCipher final
{
public:
    static constexpr int NonceSize = 12;
    static constexpr int TagSize = 16;
    static constexpr int MaxPlaintextSize = 64 * 1024;

    explicit CredentialCipher(DataKey key);

    // The id of the data key (DataKey::id), stored next to each sealed value.
    [[nodiscard]] const QString& keyId() const { return m_key.id(); }

    // An empty or oversized plaintext is InvalidInput; a failing OpenSSL call is Internal.
    [[nodiscard]] Expected<QByteArray> seal(QByteArrayView plaintext, qint64 organizationId) const;
    // The plaintext, or Validation when the value is too short, was altered, belongs to another
    // organization or was sealed under another key (GCM cannot tell these apart). The caller
    // wipes the plaintext when done with it.
    [[nodiscard]] Expected<QByteArray> open(QByteArrayView sealed, qint64 organizationId) const;

private:
    DataKey m_key;
};

} // namespace pfa::secrets
