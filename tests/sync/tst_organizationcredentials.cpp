// Organizations with their own PEMS credentials, end to end: rows sealed with the data key in
// organization_api_credentials, a real `pfa-sync worker` process given PFA_DATA_KEY_FILE, and a
// pems-sim whose keys each allow one organization only (--api-key KEY=ORG). A worker that used
// the default key for everyone, or the wrong organization's key, would be refused by pems-sim.
#include "WritePathTestCase.h"

#include "db/CredentialRepository.h"
#include "secrets/CredentialCipher.h"
#include "secrets/KeyFileSource.h"
#include "support/WorkerProcess.h"

#include <QFile>
#include <QRandomGenerator>
#include <QTemporaryDir>

using namespace Qt::StringLiterals;
using pfa::model::PfaField;
using pfa::model::SyncStatus;

namespace pfa::test {

namespace {

const QString RioKey = u"rio-own-key-5c1e07"_s;
const QString HouKey = u"hou-own-key-9ab4d2"_s;
const QString DefaultKey = u"bog-default-key-31f8"_s; // PEMS_WRITE_API_KEY: BOG only

} // namespace

class TstOrganizationCredentials : public WritePathTestCase
{
    Q_OBJECT

private:
    QTemporaryDir m_dir;

    QString keyFile(const QString& name)
    {
        const QString path = m_dir.filePath(name);
        QFile file(path);
        QByteArray key(32, Qt::Uninitialized);
        QRandomGenerator::system()->fillRange(reinterpret_cast<quint32*>(key.data()), 8);
        if (!file.open(QIODevice::WriteOnly | QIODevice::Truncate) || file.write(key) != 32)
            return {};
        file.close();
        return file.setPermissions(QFileDevice::ReadOwner | QFileDevice::WriteOwner) ? path
                                                                                     : QString();
    }

    bool setUpOrganizations()
    {
        return setUpWorld(
            {.organizations = {u"RIO"_s, u"HOU"_s, u"BOG"_s},
             .simArguments = {u"--api-key"_s, RioKey + u"=RIO"_s, u"--api-key"_s,
                              HouKey + u"=HOU"_s, u"--api-key"_s, DefaultKey + u"=BOG"_s}});
    }

    // RIO and HOU get their own row, sealed under the key in `dataKeyFile`.
    bool storeCredentials(const QString& dataKeyFile)
    {
        auto key =
            secrets::KeyFileSource(dataKeyFile, secrets::KeyFileSource::Kind::KeyFile).load();
        if (!key)
            return false;
        const secrets::CredentialCipher cipher(std::move(*key));
        db::CredentialRepository repository(world().db().connection());
        const QString url = world().sim().baseUrl().toString();
        return repository.set(world().organizationId(u"RIO"_s), url, RioKey.toLatin1(), cipher,
                              u"test"_s) &&
               repository.set(world().organizationId(u"HOU"_s), url, HouKey.toLatin1(), cipher,
                              u"test"_s);
    }

    QProcessEnvironment environment(const QString& dataKeyFile)
    {
        QProcessEnvironment env = WorkerProcess::environment(world(), {});
        env.insert(u"PEMS_WRITE_API_KEY"_s, DefaultKey);
        env.remove(u"CREDENTIALS_DIRECTORY"_s);
        env.remove(u"PFA_DATA_KEY_FILE"_s);
        if (!dataKeyFile.isEmpty())
            env.insert(u"PFA_DATA_KEY_FILE"_s, dataKeyFile);
        return env;
    }

    static bool holdsKey(const QByteArray& text)
    {
        return text.contains(RioKey.toLatin1()) || text.contains(HouKey.toLatin1()) ||
               text.contains(DefaultKey.toLatin1());
    }

private Q_SLOTS:
    void initTestCase() { QVERIFY(m_dir.isValid()); }
    void cleanup() { tearDownWorld(); }

    void eachOrganizationSyncsWithItsOwnKey_data()
    {
        QTest::addColumn<bool>("service");
        QTest::newRow("pfa-sync worker") << false;
        QTest::newRow("pfa-sync --service") << true;
    }
    void eachOrganizationSyncsWithItsOwnKey()
    {
        QFETCH(bool, service);
        QVERIFY(setUpOrganizations());
        const QString dataKey = keyFile(u"data.key"_s);
        QVERIFY(!dataKey.isEmpty());
        QVERIFY(storeCredentials(dataKey));

        auto process =
            service ? WorkerProcess::service(QStringLiteral(PFA_SYNC_BINARY), environment(dataKey))
                    : std::make_unique<WorkerProcess>(QStringLiteral(PFA_SYNC_BINARY),
                                                      u"own-keys"_s, environment(dataKey));
        WorkerProcess& worker = *process;
        PFA_VERIFY_OK(worker.start());
        std::map<QString, qint64> modifications;
        for (const QString& code : {u"RIO"_s, u"HOU"_s, u"BOG"_s}) {
            auto committed =
                world().commit(code, 10001, {{PfaField::Description, u"synced by "_s + code}});
            PFA_VERIFY_OK(committed);
            modifications[code] = committed->modification.id;
        }
        for (const auto& [code, id] : modifications) {
            QVERIFY2(world().waitForStatus(id, SyncStatus::Synced),
                     qPrintable(code + u": "_s + QString::fromUtf8(worker.output())));
            const auto record = pemsRecord(10001, code);
            QVERIFY2(record.contains("data"), record.dump().c_str());
            QCOMPARE(QString::fromStdString(record["data"].value("description", "")),
                     u"synced by "_s + code);
        }
        QCOMPARE(*world().db().count(
                     u"SELECT count(*) FROM organization WHERE write_paused_at IS NOT NULL"_s),
                 qint64(0));
        auto stopped = worker.stop();
        PFA_VERIFY_OK(stopped);
        QCOMPARE(*stopped, 0);
        QVERIFY2(!holdsKey(worker.output()), worker.output().constData());
    }

    void storedKeysWithoutDataKeyStopTheStart()
    {
        QVERIFY(setUpOrganizations());
        const QString dataKey = keyFile(u"data.key"_s);
        QVERIFY(storeCredentials(dataKey));
        WorkerProcess worker(QStringLiteral(PFA_SYNC_BINARY), u"no-key"_s, environment({}));
        auto started = worker.start();
        QVERIFY(!started);
        QVERIFY2(started.error().message.contains(u"exited with code 2"_s) &&
                     started.error().message.contains(u"PFA_DATA_KEY_FILE"_s),
                 qPrintable(started.error().message));
        QVERIFY(!holdsKey(worker.output()));
    }

    void aWrongDataKeyStopsTheStart()
    {
        QVERIFY(setUpOrganizations());
        QVERIFY(storeCredentials(keyFile(u"data.key"_s)));
        const QString other = keyFile(u"other.key"_s);
        WorkerProcess worker(QStringLiteral(PFA_SYNC_BINARY), u"wrong-key"_s, environment(other));
        auto started = worker.start();
        QVERIFY(!started);
        QVERIFY2(started.error().message.contains(u"exited with code 2"_s) &&
                     started.error().message.contains(u"HOU"_s) &&
                     started.error().message.contains(u"was sealed under data key"_s),
                 qPrintable(started.error().message));
        QVERIFY(!holdsKey(worker.output()));
    }

    // No rows: no data key needed, everyone on PEMS_WRITE_API_URL / _KEY as before.
    void withoutRowsTheDefaultServesEveryone()
    {
        QVERIFY(setUpOrganizations());
        WorkerProcess worker(QStringLiteral(PFA_SYNC_BINARY), u"default"_s, environment({}));
        PFA_VERIFY_OK(worker.start());
        auto bog = world().commit(u"BOG"_s, 10002, {{PfaField::Description, u"default key"_s}});
        auto rio = world().commit(u"RIO"_s, 10002, {{PfaField::Description, u"refused"_s}});
        PFA_VERIFY_OK(bog);
        PFA_VERIFY_OK(rio);
        QVERIFY(world().waitForStatus(bog->modification.id, SyncStatus::Synced));
        // The default key is BOG's only: pems-sim refuses it for RIO.
        QVERIFY(world().waitForStatus(rio->modification.id, SyncStatus::Failed));
        PFA_VERIFY_OK(worker.stop());
    }
};

} // namespace pfa::test

QTEST_GUILESS_MAIN(pfa::test::TstOrganizationCredentials)
#include "tst_organizationcredentials.moc"
