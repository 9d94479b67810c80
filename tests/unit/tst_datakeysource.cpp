// Where the data key is read from: a PFA_DATA_KEY_FILE that only its owner can read, or the
// systemd credential; the formats accepted, and the refusals with what they name.
#include "secrets/DataKeySource.h"
#include "secrets/KeyFileSource.h"

#include <QFile>
#include <QTemporaryDir>
#include <QTest>

using namespace Qt::StringLiterals;
using namespace pfa;
using namespace pfa::secrets;

namespace {

const QByteArray RawKey =
    QByteArray::fromHex("00112233445566778899aabbccddeeff0123456789abcdeffedcba9876543210");

QFileDevice::Permissions permissionsOf(int mode)
{
    QFileDevice::Permissions permissions;
    if (mode & 0400)
        permissions |= QFileDevice::ReadOwner | QFileDevice::ReadUser;
    if (mode & 0200)
        permissions |= QFileDevice::WriteOwner | QFileDevice::WriteUser;
    if (mode & 0040)
        permissions |= QFileDevice::ReadGroup;
    if (mode & 0020)
        permissions |= QFileDevice::WriteGroup;
    if (mode & 0004)
        permissions |= QFileDevice::ReadOther;
    return permissions;
}

} // namespace

class TestDataKeySource final : public QObject
{
    Q_OBJECT

private:
    QTemporaryDir m_dir;

    QString write(const QString& name, const QByteArray& content, int mode)
    {
        const QString path = m_dir.filePath(name);
        QFile file(path);
        if (!file.open(QIODevice::WriteOnly | QIODevice::Truncate) ||
            file.write(content) != content.size())
            return {};
        file.close();
        if (!file.setPermissions(permissionsOf(mode)))
            return {};
        return path;
    }

    static QString expectedId() { return DataKey::fromBytes(RawKey).value().id(); }

private Q_SLOTS:
    void initTestCase() { QVERIFY(m_dir.isValid()); }

    void ownerOnlyFileAccepted_data()
    {
        QTest::addColumn<QByteArray>("content");
        QTest::addColumn<int>("mode");
        QTest::newRow("raw 0600") << RawKey << 0600;
        QTest::newRow("raw 0400") << RawKey << 0400;
        QTest::newRow("hex") << RawKey.toHex() << 0600;
        QTest::newRow("hex + LF") << RawKey.toHex() + '\n' << 0600;
        QTest::newRow("HEX + CRLF") << RawKey.toHex().toUpper() + "\r\n" << 0600;
    }
    void ownerOnlyFileAccepted()
    {
        QFETCH(QByteArray, content);
        QFETCH(int, mode);
        const QString path = write(u"ok.key"_s, content, mode);
        QVERIFY(!path.isEmpty());
        auto key = KeyFileSource(path, KeyFileSource::Kind::KeyFile).load();
        QVERIFY2(key, qPrintable(key ? QString() : key.error().message));
        QCOMPARE(key->id(), expectedId());
        QCOMPARE(QByteArray(reinterpret_cast<const char*>(key->data()), DataKey::Size), RawKey);
    }

    void fileOthersCanReadRefused_data()
    {
        QTest::addColumn<int>("mode");
        QTest::addColumn<QString>("shown");
        QTest::newRow("0644") << 0644 << u"0644"_s;
        QTest::newRow("0640") << 0640 << u"0640"_s;
        QTest::newRow("0604") << 0604 << u"0604"_s;
        QTest::newRow("0620") << 0620 << u"0620"_s;
    }
    void fileOthersCanReadRefused()
    {
        QFETCH(int, mode);
        QFETCH(QString, shown);
        const QString path = write(u"open.key"_s, RawKey, mode);
        QVERIFY(!path.isEmpty());
        auto key = KeyFileSource(path, KeyFileSource::Kind::KeyFile).load();
        QVERIFY(!key);
        QCOMPARE(key.error().code, ErrorCode::Config);
        QCOMPARE(key.error().field, u"PFA_DATA_KEY_FILE"_s);
        QVERIFY2(key.error().message.contains(path), qPrintable(key.error().message));
        QVERIFY2(key.error().message.contains(u"mode "_s + shown), qPrintable(key.error().message));
        QVERIFY(key.error().message.contains(u"chmod 600"_s));
    }

    void badContentRefused_data()
    {
        QTest::addColumn<QByteArray>("content");
        QTest::addColumn<QString>("shown");
        QTest::newRow("empty") << QByteArray() << u"holds 0 bytes"_s;
        QTest::newRow("31 raw bytes") << RawKey.left(31) << u"holds 31 bytes"_s;
        QTest::newRow("raw + LF") << RawKey + '\n' << u"holds 33 bytes"_s;
        QTest::newRow("63 hex digits") << RawKey.toHex().left(63) << u"holds 63 bytes"_s;
        QTest::newRow("64 non-hex") << QByteArray(64, 'g') << u"holds 64 bytes"_s;
        QTest::newRow("long") << QByteArray(500, 'a') << u"more than 66 bytes"_s;
    }
    void badContentRefused()
    {
        QFETCH(QByteArray, content);
        QFETCH(QString, shown);
        const QString path = write(u"bad.key"_s, content, 0600);
        QVERIFY(!path.isEmpty());
        auto key = KeyFileSource(path, KeyFileSource::Kind::KeyFile).load();
        QVERIFY(!key);
        QCOMPARE(key.error().code, ErrorCode::Config);
        QVERIFY2(key.error().message.contains(shown), qPrintable(key.error().message));
        QVERIFY2(key.error().message.contains(path), qPrintable(key.error().message));
        QVERIFY(!key.error().message.contains(QString::fromLatin1(content.left(8))) ||
                content.isEmpty());
    }

    void missingFileAndDirectoryRefused()
    {
        const QString missing = m_dir.filePath(u"nope.key"_s);
        auto key = KeyFileSource(missing, KeyFileSource::Kind::KeyFile).load();
        QVERIFY(!key);
        QVERIFY(key.error().message.contains(missing));
        QVERIFY2(key.error().message.contains(u"No such file"_s), qPrintable(key.error().message));

        auto directory = KeyFileSource(m_dir.path(), KeyFileSource::Kind::KeyFile).load();
        QVERIFY(!directory);
        QVERIFY(directory.error().message.contains(u"not a regular file"_s));
    }

    void locatePrefersTheKeyFile()
    {
        const QString file = write(u"explicit.key"_s, RawKey, 0600);
        QVERIFY(!file.isEmpty());
        const auto source = DataKeySource::locate(file, m_dir.path());
        QVERIFY(source);
        QVERIFY2(source->describe().contains(file), qPrintable(source->describe()));
        QVERIFY(source->describe().contains(u"PFA_DATA_KEY_FILE"_s));
    }

    void locateUsesTheSystemdCredential()
    {
        QTemporaryDir credentials;
        QVERIFY(credentials.isValid());
        QVERIFY(!DataKeySource::locate({}, credentials.path())); // set, but not ours
        QVERIFY(!DataKeySource::locate({}, {}));

        // systemd decides who reads its credentials: a 0440 file there is fine.
        const QString path = credentials.filePath(QString(DataKeySource::CredentialName));
        QFile file(path);
        QVERIFY(file.open(QIODevice::WriteOnly));
        QCOMPARE(file.write(RawKey.toHex()), qint64(64));
        file.close();
        QVERIFY(file.setPermissions(permissionsOf(0440)));

        const auto source = DataKeySource::locate({}, credentials.path());
        QVERIFY(source);
        QVERIFY2(source->describe().contains(u"systemd credential "_s + path),
                 qPrintable(source->describe()));
        auto key = source->load();
        QVERIFY2(key, qPrintable(key ? QString() : key.error().message));
        QCOMPARE(key->id(), expectedId());
    }
};

QTEST_APPLESS_MAIN(TestDataKeySource)
#include "tst_datakeysource.moc"
