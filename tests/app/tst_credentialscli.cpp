// `pfa-sync credentials set|list|rotate` as an operator runs them: the real binary (QProcess)
// against a private PostgreSQL, the API key on standard input. Besides what each command does,
// every test checks that the API keys appear nowhere they must not: not in anything the
// commands printed, not in the audit log, not in the bytes of the stored rows.
#include "db/CredentialRepository.h"
#include "db/OrganizationRepository.h"
#include "secrets/CredentialCipher.h"
#include "secrets/KeyFileSource.h"
#include "support/TestDatabase.h"

#include <QFile>
#include <QProcess>
#include <QRandomGenerator>
#include <QTemporaryDir>
#include <QTest>

#include <nlohmann/json.hpp>

using namespace Qt::StringLiterals;

namespace pfa::test {

namespace {

struct Run
{
    int code = -1;
    QString out;
    QString err;
};

const QByteArray RioKey = "rio-PEMS-key-4f1c9a0b7e";
const QByteArray HouKey = "hou-PEMS-key-d2e83b61aa";
const QString RioUrl = u"https://pems-rio.example.com/api"_s;
const QString HouUrl = u"http://127.0.0.1:9999"_s;

} // namespace

class TstCredentialsCli : public QObject
{
    Q_OBJECT

private:
    std::unique_ptr<TestDatabase> m_db;
    std::unique_ptr<QTemporaryDir> m_dir;
    QString m_keyA; // the data key in use
    QString m_keyB; // the one rotated to
    QString m_keyC; // an unrelated one
    qint64 m_rio = 0;
    qint64 m_hou = 0;
    QString m_transcript; // everything every command printed in this test

    QString keyFile(const QString& name, int mode = 0600)
    {
        const QString path = m_dir->filePath(name);
        QFile file(path);
        QByteArray key(32, Qt::Uninitialized);
        QRandomGenerator::system()->fillRange(reinterpret_cast<quint32*>(key.data()), 8);
        if (!file.open(QIODevice::WriteOnly) || file.write(key) != 32)
            return {};
        file.close();
        QFileDevice::Permissions permissions = QFileDevice::ReadOwner | QFileDevice::WriteOwner;
        if (mode & 044)
            permissions |= QFileDevice::ReadGroup | QFileDevice::ReadOther;
        return file.setPermissions(permissions) ? path : QString();
    }

    static secrets::CredentialCipher cipher(const QString& path)
    {
        return secrets::CredentialCipher(
            secrets::KeyFileSource(path, secrets::KeyFileSource::Kind::KeyFile).load().value());
    }

    static QString keyId(const QString& path) { return cipher(path).keyId(); }

    Run cli(const QStringList& arguments, const QByteArray& input = {},
            const QString& dataKeyFile = QStringLiteral("A"))
    {
        QProcess process;
        QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
        environment.insert(u"DATABASE_URL"_s, m_db->url());
        environment.remove(u"CREDENTIALS_DIRECTORY"_s);
        environment.remove(u"PFA_DATA_KEY_FILE"_s);
        if (dataKeyFile == u"A"_s)
            environment.insert(u"PFA_DATA_KEY_FILE"_s, m_keyA);
        else if (!dataKeyFile.isEmpty())
            environment.insert(u"PFA_DATA_KEY_FILE"_s, dataKeyFile);
        process.setProcessEnvironment(environment);
        process.start(QStringLiteral(PFA_SYNC_BINARY), arguments);
        if (!process.waitForStarted(10000))
            return {};
        process.write(input);
        process.closeWriteChannel();
        if (!process.waitForFinished(60000)) {
            process.kill();
            process.waitForFinished();
            return {};
        }
        Run run{.code = process.exitStatus() == QProcess::NormalExit ? process.exitCode() : -1,
                .out = QString::fromUtf8(process.readAllStandardOutput()),
                .err = QString::fromUtf8(process.readAllStandardError())};
        m_transcript += run.out + run.err;
        if (run.code != 0)
            qInfo().noquote() << "pfa-sync" << arguments.join(u' ') << "->" << run.code
                              << run.err.trimmed();
        return run;
    }

    Run set(const QString& code, const QString& url, const QByteArray& key,
            const QString& dataKeyFile = QStringLiteral("A"))
    {
        return cli({u"credentials"_s, u"set"_s, code, u"--pems-url"_s, url}, key + '\n',
                   dataKeyFile);
    }

    // The API keys in any form a careless program might leave them.
    static bool holdsKey(const QByteArray& bytes)
    {
        for (const QByteArray& key : {RioKey, HouKey}) {
            if (bytes.contains(key) || bytes.contains(key.toHex()) ||
                bytes.contains(key.toBase64()))
                return true;
        }
        return false;
    }

    // Every column of every row, as text and (for the ciphertext) as the raw bytes.
    QByteArray storedBytes()
    {
        QByteArray all;
        QSqlQuery rows(m_db->connection());
        if (!rows.exec(u"SELECT row_to_json(c)::text, api_key_ciphertext"
                       " FROM organization_api_credentials c"_s))
            return "query failed";
        while (rows.next())
            all += rows.value(0).toString().toUtf8() + rows.value(1).toByteArray();
        return all;
    }

    QByteArray auditBytes()
    {
        auto text = m_db->value(u"SELECT COALESCE(string_agg(row_to_json(a)::text, E'\\n'), '')"
                                " FROM audit_log a"_s);
        return text ? text->toString().toUtf8() : QByteArray("query failed");
    }

    qint64 count(const QString& sql, std::initializer_list<db::SqlParam> params = {})
    {
        auto counted = m_db->count(sql, params);
        return counted ? *counted : -1;
    }

private Q_SLOTS:
    void init()
    {
        auto database = TestDatabase::create();
        QVERIFY2(database, qPrintable(database ? QString() : database.error().message));
        m_db = std::move(*database);
        m_dir = std::make_unique<QTemporaryDir>();
        QVERIFY(m_dir->isValid());
        m_keyA = keyFile(u"a.key"_s);
        m_keyB = keyFile(u"b.key"_s);
        m_keyC = keyFile(u"c.key"_s);
        QVERIFY(!m_keyA.isEmpty() && !m_keyB.isEmpty() && !m_keyC.isEmpty());
        db::OrganizationRepository organizations(m_db->connection());
        auto rio = organizations.create(u"RIO"_s, u"Rio"_s, u"test"_s);
        auto hou = organizations.create(u"HOU"_s, u"Houston"_s, u"test"_s);
        QVERIFY(rio && hou);
        m_rio = rio->id;
        m_hou = hou->id;
        m_transcript.clear();
    }

    void cleanup()
    {
        // What no test may ever leave behind, whatever it did.
        QVERIFY2(!holdsKey(m_transcript.toUtf8()), "an API key was printed");
        QVERIFY2(!holdsKey(auditBytes()), "an API key is in the audit log");
        QVERIFY2(!holdsKey(storedBytes()), "an API key is stored in clear");
        m_db.reset();
        m_dir.reset();
    }

    void setStoresTheKeyEncrypted()
    {
        const Run run = set(u"RIO"_s, RioUrl, RioKey);
        QCOMPARE(run.code, 0);
        QVERIFY2(run.out.contains(u"RIO"_s) && run.out.contains(RioUrl) &&
                     run.out.contains(keyId(m_keyA)),
                 qPrintable(run.out));
        QCOMPARE(count(u"SELECT count(*) FROM organization_api_credentials WHERE organization_id"
                       " = :o AND key_id = :k AND pems_url = :u"_s,
                       {{"o"_L1, m_rio}, {"k"_L1, keyId(m_keyA)}, {"u"_L1, RioUrl}}),
                 1);
        auto opened = db::CredentialRepository(m_db->connection()).open(m_rio, cipher(m_keyA));
        QVERIFY2(opened, qPrintable(opened ? QString() : opened.error().message));
        QCOMPARE(opened->apiKey, QString::fromLatin1(RioKey));
        QCOMPARE(opened->credential.pemsUrl, RioUrl);

        // Audited without the key: who, which organization, URL and data key id.
        QCOMPARE(count(u"SELECT count(*) FROM audit_log WHERE action = 'credentials.set' AND"
                       " organization_id = :o AND actor LIKE 'cli:%' AND after->>'keyId' = :k"
                       " AND after->>'pemsUrl' = :u"_s,
                       {{"o"_L1, m_rio}, {"k"_L1, keyId(m_keyA)}, {"u"_L1, RioUrl}}),
                 1);

        // Setting again replaces the row (one row per organization) and is audited again.
        QCOMPARE(set(u"RIO"_s, HouUrl, HouKey).code, 0);
        QCOMPARE(count(u"SELECT count(*) FROM organization_api_credentials"_s), 1);
        opened = db::CredentialRepository(m_db->connection()).open(m_rio, cipher(m_keyA));
        QVERIFY(opened);
        QCOMPARE(opened->apiKey, QString::fromLatin1(HouKey));
        QCOMPARE(count(u"SELECT count(*) FROM audit_log WHERE action = 'credentials.set' AND"
                       " before->>'pemsUrl' = :before AND after->>'pemsUrl' = :after"_s,
                       {{"before"_L1, RioUrl}, {"after"_L1, HouUrl}}),
                 1);
    }

    void ciphertextIsBoundToItsOrganization()
    {
        QCOMPARE(set(u"RIO"_s, RioUrl, RioKey).code, 0);
        QCOMPARE(set(u"HOU"_s, HouUrl, HouKey).code, 0);
        // Someone with database access copies RIO's sealed key into HOU's row.
        QSqlQuery copy(m_db->connection());
        QVERIFY(copy.prepare(u"UPDATE organization_api_credentials SET api_key_ciphertext ="
                             " (SELECT api_key_ciphertext FROM organization_api_credentials"
                             "  WHERE organization_id = :rio) WHERE organization_id = :hou"_s));
        copy.bindValue(u":rio"_s, m_rio);
        copy.bindValue(u":hou"_s, m_hou);
        QVERIFY(copy.exec());
        auto opened = db::CredentialRepository(m_db->connection()).open(m_hou, cipher(m_keyA));
        QVERIFY(!opened);
        QCOMPARE(opened.error().code, ErrorCode::Validation);
        QVERIFY2(opened.error().message.contains(u"HOU"_s), qPrintable(opened.error().message));
        QVERIFY(db::CredentialRepository(m_db->connection()).open(m_rio, cipher(m_keyA)));
    }

    void listShowsNoKeys()
    {
        QCOMPARE(set(u"RIO"_s, RioUrl, RioKey).code, 0);
        QCOMPARE(set(u"HOU"_s, HouUrl, HouKey).code, 0);
        const Run table = cli({u"credentials"_s, u"list"_s});
        QCOMPARE(table.code, 0);
        QVERIFY2(table.out.contains(u"HOU"_s) && table.out.contains(HouUrl) &&
                     table.out.contains(u"RIO"_s) && table.out.contains(RioUrl) &&
                     table.out.contains(u"2 organizations"_s),
                 qPrintable(table.out));
        QVERIFY(table.out.indexOf(u"HOU"_s) < table.out.indexOf(u"RIO"_s));

        // list needs no data key: it opens nothing.
        const Run json = cli({u"credentials"_s, u"list"_s, u"--json"_s}, {}, QString());
        QCOMPARE(json.code, 0);
        const auto body = nlohmann::json::parse(json.out.toStdString(), nullptr, false);
        QVERIFY2(body.is_array() && body.size() == 2, qPrintable(json.out));
        QCOMPARE(QString::fromStdString(body[1].value("organization", "")), u"RIO"_s);
        QCOMPARE(body[1].value("organizationId", qint64(0)), m_rio);
        QCOMPARE(QString::fromStdString(body[1].value("pemsUrl", "")), RioUrl);
        QCOMPARE(QString::fromStdString(body[1].value("keyId", "")), keyId(m_keyA));
        QVERIFY(body[1].contains("updatedAt"));
        QCOMPARE(body[1].size(), std::size_t(5));
    }

    void rotateReencryptsEveryRow()
    {
        QCOMPARE(set(u"RIO"_s, RioUrl, RioKey).code, 0);
        QCOMPARE(set(u"HOU"_s, HouUrl, HouKey).code, 0);
        const QByteArray before = storedBytes();

        const Run run = cli({u"credentials"_s, u"rotate"_s, u"--new-key-file"_s, m_keyB});
        QCOMPARE(run.code, 0);
        QVERIFY2(run.out.contains(
                     u"Re-encrypted 2 rows: data key %1 -> %2"_s.arg(keyId(m_keyA), keyId(m_keyB))),
                 qPrintable(run.out));
        QVERIFY(storedBytes() != before);
        QCOMPARE(count(u"SELECT count(*) FROM organization_api_credentials WHERE key_id = :k"_s,
                       {{"k"_L1, keyId(m_keyB)}}),
                 2);
        // Only the new key opens the rows now.
        db::CredentialRepository repository(m_db->connection());
        auto opened = repository.openAll(cipher(m_keyB));
        QVERIFY2(opened, qPrintable(opened ? QString() : opened.error().message));
        QCOMPARE(opened->size(), std::size_t(2));
        QCOMPARE(opened->at(0).apiKey, QString::fromLatin1(HouKey));
        QCOMPARE(opened->at(1).apiKey, QString::fromLatin1(RioKey));
        auto old = repository.openAll(cipher(m_keyA));
        QVERIFY(!old);
        QVERIFY2(old.error().message.contains(keyId(m_keyB)), qPrintable(old.error().message));

        QCOMPARE(count(u"SELECT count(*) FROM audit_log WHERE action = 'credentials.rotated' AND"
                       " before->>'keyId' = :a AND after->>'keyId' = :b AND"
                       " (details->>'reencrypted')::int = 2"_s,
                       {{"a"_L1, keyId(m_keyA)}, {"b"_L1, keyId(m_keyB)}}),
                 1);

        // Run again before the key file was swapped: nothing left to do, and it says so.
        const Run again = cli({u"credentials"_s, u"rotate"_s, u"--new-key-file"_s, m_keyB});
        QCOMPARE(again.code, 0);
        QVERIFY2(again.out.contains(u"Re-encrypted 0 rows"_s) &&
                     again.out.contains(u"2 already under %1"_s.arg(keyId(m_keyB))),
                 qPrintable(again.out));

        // After the swap, the new key is the one in use.
        const Run swapped = set(u"RIO"_s, RioUrl, RioKey, m_keyB);
        QCOMPARE(swapped.code, 0);
        QVERIFY(swapped.out.contains(keyId(m_keyB)));
    }

    void rotateIsAllOrNothing()
    {
        QCOMPARE(set(u"RIO"_s, RioUrl, RioKey).code, 0);
        QCOMPARE(set(u"HOU"_s, HouUrl, HouKey, m_keyC).code, 0); // sealed under another key
        const QByteArray before = storedBytes();
        const qint64 audited = count(u"SELECT count(*) FROM audit_log"_s);

        const Run run = cli({u"credentials"_s, u"rotate"_s, u"--new-key-file"_s, m_keyB});
        QCOMPARE(run.code, 1);
        QVERIFY2(run.err.contains(u"HOU"_s) && run.err.contains(keyId(m_keyC)) &&
                     run.err.contains(keyId(m_keyA)),
                 qPrintable(run.err));
        QCOMPARE(storedBytes(), before); // RIO's row, which did open, is unchanged too
        QCOMPARE(count(u"SELECT count(*) FROM audit_log"_s), audited);
    }

    void refusals()
    {
        // Unknown organization: 1, nothing stored.
        Run run = set(u"NOPE"_s, RioUrl, RioKey);
        QCOMPARE(run.code, 1);
        QVERIFY2(run.err.contains(u"organization NOPE does not exist"_s), qPrintable(run.err));

        // No data key configured: 2, naming PFA_DATA_KEY_FILE.
        run = set(u"RIO"_s, RioUrl, RioKey, QString());
        QCOMPARE(run.code, 2);
        QVERIFY2(run.err.contains(u"PFA_DATA_KEY_FILE"_s), qPrintable(run.err));

        // A key file others can read: 1, naming the file and its mode.
        const QString open = keyFile(u"open.key"_s, 0644);
        QVERIFY(!open.isEmpty());
        run = set(u"RIO"_s, RioUrl, RioKey, open);
        QCOMPARE(run.code, 1);
        QVERIFY2(run.err.contains(open) && run.err.contains(u"mode 0644"_s), qPrintable(run.err));

        // No key on standard input, or more than one line: 2.
        run = cli({u"credentials"_s, u"set"_s, u"RIO"_s, u"--pems-url"_s, RioUrl}, {});
        QCOMPARE(run.code, 2);
        QVERIFY2(run.err.contains(u"no API key on standard input"_s), qPrintable(run.err));
        run = cli({u"credentials"_s, u"set"_s, u"RIO"_s, u"--pems-url"_s, RioUrl},
                  RioKey + '\n' + HouKey + '\n');
        QCOMPARE(run.code, 2);
        QVERIFY2(run.err.contains(u"on one line"_s), qPrintable(run.err));

        // A URL PEMS keys must not travel to, and a key that cannot go into a header: 2.
        run = set(u"RIO"_s, u"http://pems.example.com"_s, RioKey);
        QCOMPARE(run.code, 2);
        QVERIFY2(run.err.contains(u"--pems-url"_s) && run.err.contains(u"clear text"_s),
                 qPrintable(run.err));
        run = set(u"RIO"_s, u"ftp://pems.example.com"_s, RioKey);
        QCOMPARE(run.code, 2);
        run = set(u"RIO"_s, RioUrl, RioKey + " with spaces");
        QCOMPARE(run.code, 2);
        QVERIFY2(run.err.contains(u"the API key on standard input"_s), qPrintable(run.err));
        QVERIFY(!run.err.contains(u"with spaces"_s));

        // The key on the command line is not even an option.
        run = cli({u"credentials"_s, u"set"_s, u"RIO"_s, u"--pems-url"_s, RioUrl, u"--api-key"_s,
                   u"x"_s});
        QCOMPARE(run.code, 2);

        // rotate: a new key file others can read, and the current key as the new one.
        run = cli({u"credentials"_s, u"rotate"_s, u"--new-key-file"_s, open});
        QCOMPARE(run.code, 1);
        QVERIFY2(run.err.contains(u"--new-key-file"_s) && run.err.contains(u"mode 0644"_s),
                 qPrintable(run.err));
        run = cli({u"credentials"_s, u"rotate"_s, u"--new-key-file"_s, m_keyA});
        QCOMPARE(run.code, 2);
        QVERIFY2(run.err.contains(u"the new data key is the current one"_s), qPrintable(run.err));

        QCOMPARE(count(u"SELECT count(*) FROM organization_api_credentials"_s), 0);
        QCOMPARE(count(u"SELECT count(*) FROM audit_log WHERE action LIKE 'credentials.%'"_s), 0);
    }

    void configShowShowsThePathOnly()
    {
        const Run run = cli({u"config"_s, u"show"_s});
        QCOMPARE(run.code, 0);
        QVERIFY2(run.out.contains(u"PFA_DATA_KEY_FILE"_s) && run.out.contains(m_keyA),
                 qPrintable(run.out));
        QFile key(m_keyA);
        QVERIFY(key.open(QIODevice::ReadOnly));
        const QByteArray bytes = key.readAll();
        QVERIFY(!run.out.toUtf8().contains(bytes.toHex()));
        QVERIFY(!run.out.toLatin1().contains(bytes));
    }
};

} // namespace pfa::test

QTEST_GUILESS_MAIN(pfa::test::TstCredentialsCli)
#include "tst_credentialscli.moc"
