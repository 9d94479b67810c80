#include "secrets/DataKey.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <algorithm>

using namespace Qt::StringLiterals;

namespace pfa::secrets {

namespace {

QString keyIdOf(const std::array<unsigned char, DataKey::Size>& key)
{
    std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
    unsigned int length = 0;
    if (EVP_Digest(key.data(), key.size(), digest.data(), &length, EVP_sha256(), nullptr) != 1 ||
        length < 8)
        return {};
    const QByteArray id = QByteArray(reinterpret_cast<const char*>(digest.data()), 8).toHex();
    OPENSSL_cleanse(digest.data(), digest.size());
    return QString::fromLatin1(id);
}

} // namespace

Expected<DataKey> DataKey::fromBytes(QByteArrayView bytes)
{
    if (std::size_t(bytes.size()) != Size)
        return fail(ErrorCode::InvalidInput,
                    u"a data key is %1 bytes, not %2"_s.arg(Size).arg(bytes.size()));
    DataKey key;
    std::copy_n(reinterpret_cast<const unsigned char*>(bytes.data()), Size, key.m_bytes.begin());
    key.m_id = keyIdOf(key.m_bytes);
    if (key.m_id.isEmpty())
        return fail(ErrorCode::Internal, u"SHA-256 of the data key failed (OpenSSL)"_s);
    return key;
}

DataKey::DataKey(DataKey&& other) noexcept
    : m_bytes(other.m_bytes)
    , m_id(std::move(other.m_id))
{
    other.wipe();
}

DataKey& DataKey::operator=(DataKey&& other) noexcept
{
    if (this != &other) {
        m_bytes = other.m_bytes;
        m_id = std::move(other.m_id);
        other.wipe();
    }
    return *this;
}

DataKey::~DataKey()
{
    wipe();
}

void DataKey::wipe()
{
    OPENSSL_cleanse(m_bytes.data(), m_bytes.size());
}

} // namespace pfa::secrets
