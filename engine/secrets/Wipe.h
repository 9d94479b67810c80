#pragma once

#include <QByteArray>
#include <QString>

#include <cstddef>

namespace pfa::secrets {

// Overwrites a secret's bytes (OPENSSL_cleanse, which the compiler may not optimise away) and
// empties it. Only the buffer the value owns is wiped: a copy made before, or a shared buffer
// (implicit sharing), is not, so call it on the last holder.
void wipe(QByteArray& secret);
void wipe(QString& secret);
void wipeBytes(void* data, std::size_t size);

} // namespace pfa::secrets
