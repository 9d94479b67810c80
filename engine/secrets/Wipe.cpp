#include "secrets/Wipe.h"

#include <openssl/crypto.h>

namespace pfa::secrets {

void wipe(QByteArray& secret)
{
    // data() detaches a shared buffer first: then only our copy is wiped, which is all we own.
    if (!secret.isEmpty())
        OPENSSL_cleanse(secret.data(), std::size_t(secret.size()));
    secret.clear();
}

void wipe(QString& secret)
{
    if (!secret.isEmpty())
        OPENSSL_cleanse(secret.data(), std::size_t(secret.size()) * sizeof(QChar));
    secret.clear();
}

void wipeBytes(void* data, std::size_t size)
{
    OPENSSL_cleanse(data, size);
}

} // namespace pfa::secrets
