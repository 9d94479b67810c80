#pragma once

#include "model/Error.h"

#include <QByteArrayView>
#include <QString>

#include <array>
#include <cstddef>

namespace pfa::secrets {

// The 32-byte AES-256 data key that encrypts the PEMS keys at rest. Move-only; the bytes are
// wiped (OPENSSL_cleanse) when an instance dies or is moved from, so a key does not linger in
// freed memory. It lives outside the database: a key file, a systemd credential or, on the
// desktop, the OS keychain (see DataKeySource).
class DataKey final
{
public:
    static constexpr std::size_t Size = 32;

    // Exactly Size bytes, else an InvalidInput error naming the length (never the bytes).
    [[nodiscard]] static Expected<DataKey> fromBytes(QByteArrayView bytes);

    DataKey(DataKey&& other) noexcept;
    DataKey& operator=(DataKey&& other) noexcept;
    DataKey(const DataKey&) = delete;
    DataKey& operator=(const DataKey&) = delete;
    ~DataKey();

    [[nodiscard]] const unsigned char* data() const { return m_bytes.data(); }
    // The first 8 bytes of the key's SHA-256, as 16 lower-case hex digits: names the key in rows,
    // audit entries and messages without revealing it.
    [[nodiscard]] const QString& id() const { return m_id; }

private:
    DataKey() = default;
    void wipe();

    std::array<unsigned char, Size> m_bytes{};
    QString m_id;
};

} // namespace pfa::secrets
