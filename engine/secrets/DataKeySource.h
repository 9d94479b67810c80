#pragma once

#include "model/Error.h"
#include "secrets/DataKey.h"

#include <QLatin1StringView>
#include <QString>

#include <memory>

namespace pfa::secrets {

// Where the data key comes from. Servers read it from a file (PFA_DATA_KEY_FILE, mode 0600) or
// a systemd credential (LoadCredential=pfa-data-key:…); see KeyFileSource. The desktop console
// will add the OS keychain (QtKeychain) as another implementation of this interface in ui/ and
// pick it in its own composition root: nothing below the console needs to change for that.
class DataKeySource
{
public:
    // The name of the systemd credential: $CREDENTIALS_DIRECTORY/pfa-data-key.
    static constexpr QLatin1StringView CredentialName{"pfa-data-key"};

    DataKeySource() = default;
    DataKeySource(const DataKeySource&) = delete;
    DataKeySource& operator=(const DataKeySource&) = delete;
    virtual ~DataKeySource() = default;

    // For messages: what was read ("data key file /etc/pfa-sync/data.key"); never key material.
    [[nodiscard]] virtual QString describe() const = 0;
    // Reads the key now; Config errors naming the source and what was wrong with it.
    [[nodiscard]] virtual Expected<DataKey> load() const = 0;

    // The source of a headless process: `keyFile` (PFA_DATA_KEY_FILE) when not empty, else
    // `credentialsDirectory`/pfa-data-key when the directory ($CREDENTIALS_DIRECTORY, set by
    // systemd) is given and holds that file; nullptr when neither is configured.
    [[nodiscard]] static std::unique_ptr<DataKeySource> locate(const QString& keyFile,
                                                               const QString& credentialsDirectory);
};

} // namespace pfa::secrets
