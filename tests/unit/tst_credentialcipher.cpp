// The AES-256-GCM cipher of the stored PEMS keys: what opens, and everything that must not.
#include "secrets/CredentialCipher.h"

#include <QTest>

#include <set>

using namespace Qt::StringLiterals;
using namespace pfa;
using namespace pfa::secrets;

namespace {

QByteArray keyBytes(char fill)
{
    return QByteArray(DataKey::Size, fill);
}

CredentialCipher cipher(char fill)
{
    return CredentialCipher(DataKey::fromBytes(keyBytes(fill)).value());
}

const QByteArray ApiKey = "pems-key-RIO-0123456789";

} // namespace

class TestCredentialCipher final : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void roundTrip()
    {
        const auto c = cipher('a');
        auto sealed = c.seal(ApiKey, 7);
        QVERIFY(sealed);
        QCOMPARE(sealed->size(),
                 CredentialCipher::NonceSize + ApiKey.size() + CredentialCipher::TagSize);
        QVERIFY(!sealed->contains(ApiKey));
        auto opened = c.open(*sealed, 7);
        QVERIFY2(opened, qPrintable(opened ? QString() : opened.error().message));
        QCOMPARE(*opened, ApiKey);
    }

    void tamperedValueIsAnError_data()
    {
        QTest::addColumn<int>("offset");
        QTest::newRow("nonce") << 0;
        QTest::newRow("ciphertext") << CredentialCipher::NonceSize + 3;
        QTest::newRow("tag") << CredentialCipher::NonceSize + int(ApiKey.size()) + 5;
    }
    void tamperedValueIsAnError()
    {
        QFETCH(int, offset);
        const auto c = cipher('a');
        QByteArray sealed = c.seal(ApiKey, 7).value();
        sealed[offset] = char(sealed[offset] ^ 0x01);
        auto opened = c.open(sealed, 7);
        QVERIFY(!opened);
        QCOMPARE(opened.error().code, ErrorCode::Validation);
        QVERIFY(!opened.error().message.contains(QString::fromLatin1(ApiKey)));
    }

    void truncatedValueIsAnError()
    {
        const auto c = cipher('a');
        const QByteArray sealed = c.seal(ApiKey, 7).value();
        for (const qsizetype size :
             {qsizetype(0), qsizetype(5), qsizetype(28), sealed.size() - 1}) {
            auto opened = c.open(sealed.left(size), 7);
            QVERIFY2(!opened, qPrintable(u"%1 bytes opened"_s.arg(size)));
            QCOMPARE(opened.error().code, ErrorCode::Validation);
        }
    }

    void wrongKeyIsAnError()
    {
        const QByteArray sealed = cipher('a').seal(ApiKey, 7).value();
        const auto other = cipher('b');
        auto opened = other.open(sealed, 7);
        QVERIFY(!opened);
        QCOMPARE(opened.error().code, ErrorCode::Validation);
        QVERIFY2(opened.error().message.contains(other.keyId()),
                 qPrintable(opened.error().message));
    }

    void otherOrganizationIsAnError()
    {
        const auto c = cipher('a');
        const QByteArray sealed = c.seal(ApiKey, 7).value();
        auto opened = c.open(sealed, 8);
        QVERIFY(!opened);
        QCOMPARE(opened.error().code, ErrorCode::Validation);
        QVERIFY(c.open(sealed, 7)); // and still opens for its own
    }

    void noncesDiffer()
    {
        const auto c = cipher('a');
        std::set<QByteArray> nonces;
        std::set<QByteArray> values;
        for (int i = 0; i < 64; ++i) {
            const QByteArray sealed = c.seal(ApiKey, 7).value();
            nonces.insert(sealed.left(CredentialCipher::NonceSize));
            values.insert(sealed);
        }
        QCOMPARE(nonces.size(), std::size_t(64));
        QCOMPARE(values.size(), std::size_t(64));
    }

    void emptyOrOversizedPlaintextRefused()
    {
        const auto c = cipher('a');
        QCOMPARE(c.seal({}, 7).error().code, ErrorCode::InvalidInput);
        const QByteArray huge(CredentialCipher::MaxPlaintextSize + 1, 'x');
        QCOMPARE(c.seal(huge, 7).error().code, ErrorCode::InvalidInput);
    }

    void keyIdIsTheStartOfTheKeysSha256()
    {
        // SHA-256 of 32 bytes of 0x00 is
        // 66687aadf862bd776c8fc18b8e9f8e20089714856ee233b3902a591d0d5f2925.
        const auto key = DataKey::fromBytes(QByteArray(DataKey::Size, '\0'));
        QVERIFY(key);
        QCOMPARE(key->id(), u"66687aadf862bd77"_s);
        QCOMPARE(cipher('a').keyId().size(), 16);
        QVERIFY(cipher('a').keyId() != cipher('b').keyId());
    }

    void keyOfWrongLengthRefused()
    {
        for (const int size : {0, 16, 31, 33, 64}) {
            auto key = DataKey::fromBytes(QByteArray(size, 'k'));
            QVERIFY(!key);
            QCOMPARE(key.error().code, ErrorCode::InvalidInput);
            QVERIFY(key.error().message.contains(QString::number(size)));
        }
    }

    void movedFromKeyIsWiped()
    {
        auto key = DataKey::fromBytes(keyBytes('z')).value();
        DataKey moved(std::move(key));
        QCOMPARE(QByteArray(reinterpret_cast<const char*>(moved.data()), DataKey::Size),
                 keyBytes('z'));
        // NOLINTNEXTLINE(bugprone-use-after-move): checking exactly that the source is wiped
        QCOMPARE(QByteArray(reinterpret_cast<const char*>(key.data()), DataKey::Size),
                 QByteArray(DataKey::Size, '\0'));
    }
};

QTEST_APPLESS_MAIN(TestCredentialCipher)
#include "tst_credentialcipher.moc"
