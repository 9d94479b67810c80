#include "secrets/DataKeySource.h"

#include "secrets/KeyFileSource.h"

#include <QDir>
#include <QFileInfo>

namespace pfa::secrets {

std::unique_ptr<DataKeySource> DataKeySource::locate(const QString& keyFile,
                                                     const QString& credentialsDirectory)
{
    // An explicit setting wins over what the service manager passes.
    if (!keyFile.isEmpty())
        return std::make_unique<KeyFileSource>(keyFile, KeyFileSource::Kind::KeyFile);
    if (credentialsDirectory.isEmpty())
        return nullptr;
    // systemd sets CREDENTIALS_DIRECTORY for any LoadCredential=; only ours counts.
    const QString path = QDir(credentialsDirectory).filePath(QString(CredentialName));
    if (!QFileInfo::exists(path))
        return nullptr;
    return std::make_unique<KeyFileSource>(path, KeyFileSource::Kind::SystemdCredential);
}

} // namespace pfa::secrets
