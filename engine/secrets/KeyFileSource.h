#pragma once

#include "secrets/DataKeySource.h"

namespace pfa::secrets {

// The data key in a file: exactly 32 raw bytes (`head -c 32 /dev/urandom`), or 64 hex digits
// with an optional trailing newline (`openssl rand -hex 32`). Anything else is refused with its
// length, never its content.
//
// A key file (PFA_DATA_KEY_FILE) must give group and others no access at all (0600 or 0400);
// otherwise it is refused with its path and mode. A systemd credential is not checked that way:
// systemd owns its directory and decides who may read it (it may use ACLs on a 0440 file).
class KeyFileSource final : public DataKeySource
{
public:
    enum class Kind
    {
        KeyFile,           // PFA_DATA_KEY_FILE
        SystemdCredential, // $CREDENTIALS_DIRECTORY/pfa-data-key
    };

    KeyFileSource(QString path, Kind kind);

    [[nodiscard]] QString describe() const override;
    [[nodiscard]] Expected<DataKey> load() const override;

private:
    QString m_path;
    Kind m_kind;
};

} // namespace pfa::secrets
