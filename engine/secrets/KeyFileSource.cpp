#include "secrets/KeyFileSource.h"

#include "secrets/SecretsLog.h"

#include <QFile>

#include <openssl/crypto.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

using namespace Qt::StringLiterals;

namespace pfa::secrets {

namespace {

constexpr std::size_t HexSize = 2 * DataKey::Size;
// Room for the hex form, a CR LF, and one byte more to notice a longer file.
constexpr std::size_t ReadLimit = HexSize + 3;

// Wipes the buffer it owns on every way out of load().
struct Buffer
{
    std::array<char, ReadLimit> bytes{};
    std::size_t size = 0;
    ~Buffer() { OPENSSL_cleanse(bytes.data(), bytes.size()); }
};

bool isHexDigit(char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

int hexValue(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return c - 'A' + 10;
}

QString octalMode(mode_t mode)
{
    return u"0"_s + QString::number(mode & 07777, 8).rightJustified(3, u'0');
}

} // namespace

KeyFileSource::KeyFileSource(QString path, Kind kind)
    : m_path(std::move(path))
    , m_kind(kind)
{}

QString KeyFileSource::describe() const
{
    return m_kind == Kind::KeyFile ? u"data key file %1 (PFA_DATA_KEY_FILE)"_s.arg(m_path)
                                   : u"systemd credential %1"_s.arg(m_path);
}

Expected<DataKey> KeyFileSource::load() const
{
    const auto refused = [this](const QString& why) {
        return fail(ErrorCode::Config, describe() + u": "_s + why, u"PFA_DATA_KEY_FILE"_s);
    };
    const QByteArray path = QFile::encodeName(m_path);
    const int fd = ::open(path.constData(), O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return refused(QString::fromLocal8Bit(std::strerror(errno)));
    // fstat on what was opened: the mode checked is the mode of the file read.
    struct stat status
    {};
    if (::fstat(fd, &status) != 0) {
        const int error = errno;
        ::close(fd);
        return refused(QString::fromLocal8Bit(std::strerror(error)));
    }
    if (!S_ISREG(status.st_mode)) {
        ::close(fd);
        return refused(u"not a regular file"_s);
    }
    if (m_kind == Kind::KeyFile && (status.st_mode & 077) != 0) {
        ::close(fd);
        return refused(u"mode %1 lets group or others at it; the key file must be 0600 or 0400 "
                       "(chmod 600 %2)"_s.arg(octalMode(status.st_mode), m_path));
    }

    Buffer buffer;
    for (;;) {
        const ssize_t got =
            ::read(fd, buffer.bytes.data() + buffer.size, buffer.bytes.size() - buffer.size);
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0) {
            const int error = errno;
            ::close(fd);
            return refused(QString::fromLocal8Bit(std::strerror(error)));
        }
        buffer.size += std::size_t(got);
        if (got == 0 || buffer.size == buffer.bytes.size())
            break;
    }
    ::close(fd);

    if (buffer.size == DataKey::Size)
        return DataKey::fromBytes(QByteArrayView(buffer.bytes.data(), qsizetype(buffer.size)));

    std::size_t length = buffer.size;
    while (length > 0 && (buffer.bytes[length - 1] == '\n' || buffer.bytes[length - 1] == '\r'))
        --length;
    const bool hex = length == HexSize &&
                     std::all_of(buffer.bytes.begin(), buffer.bytes.begin() + length, isHexDigit);
    if (!hex) {
        const QString size = buffer.size == ReadLimit ? u"more than %1 bytes"_s.arg(ReadLimit - 1)
                                                      : u"%1 bytes"_s.arg(buffer.size);
        return refused(u"holds %1; a data key is 32 raw bytes (head -c 32 /dev/urandom) or 64 "
                       "hex digits (openssl rand -hex 32)"_s.arg(size));
    }
    std::array<unsigned char, DataKey::Size> raw{};
    for (std::size_t i = 0; i < DataKey::Size; ++i)
        raw[i] = static_cast<unsigned char>(hexValue(buffer.bytes[2 * i]) * 16 +
                                            hexValue(buffer.bytes[2 * i + 1]));
    auto key = DataKey::fromBytes(
        QByteArrayView(reinterpret_cast<const char*>(raw.data()), qsizetype(raw.size())));
    OPENSSL_cleanse(raw.data(), raw.size());
    if (key)
        qCDebug(lcSecrets).noquote() << "data key" << key->id() << "read from" << describe();
    return key;
}

} // namespace pfa::secrets
