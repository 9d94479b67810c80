#include "secrets/CredentialCipher.h"

#include "secrets/Wipe.h"

#include <openssl/evp.h>
#include <openssl/rand.h>

#include <memory>

using namespace Qt::StringLiterals;

namespace pfa::secrets {

namespace {

struct ContextDeleter
{
    void operator()(EVP_CIPHER_CTX* context) const { EVP_CIPHER_CTX_free(context); }
};
using Context = std::unique_ptr<EVP_CIPHER_CTX, ContextDeleter>;

// Versioned, so that a later format can bind more (or other) data without ambiguity.
QByteArray associatedData(qint64 organizationId)
{
    return "pfa-sync/organization_api_credentials/v1/organization_id=" +
           QByteArray::number(organizationId);
}

const unsigned char* bytes(QByteArrayView view)
{
    return reinterpret_cast<const unsigned char*>(view.data());
}

unsigned char* bytes(QByteArray& array)
{
    return reinterpret_cast<unsigned char*>(array.data());
}

std::unexpected<Error> openSslFailed(const QString& step)
{
    return fail(ErrorCode::Internal, u"AES-256-GCM %1 failed (OpenSSL)"_s.arg(step));
}

} // namespace

CredentialCipher::CredentialCipher(DataKey key)
    : m_key(std::move(key))
{}

Expected<QByteArray> CredentialCipher::seal(QByteArrayView plaintext, qint64 organizationId) const
{
    if (plaintext.isEmpty())
        return fail(ErrorCode::InvalidInput, u"nothing to encrypt: the value is empty"_s);
    if (plaintext.size() > MaxPlaintextSize)
        return fail(ErrorCode::InvalidInput,
                    u"the value is longer than %1 bytes"_s.arg(MaxPlaintextSize));

    QByteArray sealed(NonceSize + plaintext.size() + TagSize, Qt::Uninitialized);
    unsigned char* nonce = bytes(sealed);
    unsigned char* body = nonce + NonceSize;
    if (RAND_bytes(nonce, NonceSize) != 1)
        return openSslFailed(u"nonce generation"_s);

    const Context context(EVP_CIPHER_CTX_new());
    const QByteArray aad = associatedData(organizationId);
    int length = 0;
    if (!context ||
        EVP_EncryptInit_ex(context.get(), EVP_aes_256_gcm(), nullptr, nullptr, nullptr) != 1 ||
        EVP_CIPHER_CTX_ctrl(context.get(), EVP_CTRL_GCM_SET_IVLEN, NonceSize, nullptr) != 1 ||
        EVP_EncryptInit_ex(context.get(), nullptr, nullptr, m_key.data(), nonce) != 1)
        return openSslFailed(u"set-up"_s);
    if (EVP_EncryptUpdate(context.get(), nullptr, &length, bytes(aad), int(aad.size())) != 1 ||
        EVP_EncryptUpdate(context.get(), body, &length, bytes(plaintext), int(plaintext.size())) !=
            1)
        return openSslFailed(u"encryption"_s);
    int finalLength = 0;
    if (EVP_EncryptFinal_ex(context.get(), body + length, &finalLength) != 1 ||
        length + finalLength != plaintext.size() ||
        EVP_CIPHER_CTX_ctrl(context.get(), EVP_CTRL_GCM_GET_TAG, TagSize,
                            body + plaintext.size()) != 1)
        return openSslFailed(u"finalisation"_s);
    return sealed;
}

Expected<QByteArray> CredentialCipher::open(QByteArrayView sealed, qint64 organizationId) const
{
    if (sealed.size() <= NonceSize + TagSize ||
        sealed.size() > NonceSize + MaxPlaintextSize + TagSize)
        return fail(ErrorCode::Validation,
                    u"the encrypted value has %1 bytes: not nonce, ciphertext and tag"_s.arg(
                        sealed.size()));
    const unsigned char* nonce = bytes(sealed);
    const unsigned char* body = nonce + NonceSize;
    const int bodySize = int(sealed.size()) - NonceSize - TagSize;
    // EVP_CTRL_GCM_SET_TAG takes a non-const pointer but only reads the tag.
    QByteArray tag(reinterpret_cast<const char*>(body + bodySize), TagSize);

    const Context context(EVP_CIPHER_CTX_new());
    const QByteArray aad = associatedData(organizationId);
    QByteArray plaintext(bodySize, Qt::Uninitialized);
    int length = 0;
    if (!context ||
        EVP_DecryptInit_ex(context.get(), EVP_aes_256_gcm(), nullptr, nullptr, nullptr) != 1 ||
        EVP_CIPHER_CTX_ctrl(context.get(), EVP_CTRL_GCM_SET_IVLEN, NonceSize, nullptr) != 1 ||
        EVP_DecryptInit_ex(context.get(), nullptr, nullptr, m_key.data(), nonce) != 1)
        return openSslFailed(u"set-up"_s);
    if (EVP_DecryptUpdate(context.get(), nullptr, &length, bytes(aad), int(aad.size())) != 1 ||
        EVP_DecryptUpdate(context.get(), bytes(plaintext), &length, body, bodySize) != 1 ||
        EVP_CIPHER_CTX_ctrl(context.get(), EVP_CTRL_GCM_SET_TAG, TagSize, tag.data()) != 1) {
        wipe(plaintext);
        return openSslFailed(u"decryption"_s);
    }
    int finalLength = 0;
    // The tag check: the only place where a wrong key, another organization or an altered value
    // shows. Nothing decrypted is handed out unless it passes.
    if (EVP_DecryptFinal_ex(context.get(), bytes(plaintext) + length, &finalLength) != 1 ||
        length + finalLength != bodySize) {
        wipe(plaintext);
        return fail(ErrorCode::Validation,
                    u"the encrypted value does not open with data key %1 for organization %2: "
                    "another data key sealed it, it belongs to another organization, or it was "
                    "altered"_s.arg(keyId())
                        .arg(organizationId));
    }
    return plaintext;
}

} // namespace pfa::secrets
