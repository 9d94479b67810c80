#include "config/PasswordMask.h"
#include "config/Settings.h"
#include "config/SettingsLoader.h"

#include <QDir>
#include <QFile>
#include <QTemporaryDir>
#include <QTest>

#include <map>

using namespace Qt::StringLiterals;
using namespace std::chrono_literals;
using pfa::config::Setting;
using pfa::config::SettingKey;
using pfa::config::SettingRow;
using pfa::config::Settings;
using pfa::config::SettingsLoader;
using pfa::config::SettingSource;

namespace {

// Distinct valid values per setting, one per source, so each layer is visibly different from
// the one below it (and from the default). An empty file value: not allowed in the file.
struct LayerValues
{
    QString file;
    QString fileShown;
    QString env;
    QString envShown;
    QString flag;
    QString flagShown;
    QString defaultShown;
};

const std::map<QString, LayerValues>& layerValues()
{
    static const std::map<QString, LayerValues> values{
        {u"DATABASE_URL"_s,
         {u"postgresql://pfa@file-host/pfa"_s, u"postgresql://pfa@file-host/pfa"_s,
          u"postgresql://pfa:env-pw@env-host/pfa"_s, u"postgresql://pfa:***@env-host/pfa"_s,
          u"postgres://flag-host/pfa"_s, u"postgres://flag-host/pfa"_s, u"(not set)"_s}},
        {u"PEMS_WRITE_API_URL"_s,
         {u"https://file.example/api"_s, u"https://file.example/api"_s,
          u"https://env.example/api"_s, u"https://env.example/api"_s,
          u"http://flag.example:8080/api"_s, u"http://flag.example:8080/api"_s, u"(not set)"_s}},
        {u"PEMS_WRITE_API_KEY"_s,
         {QString(), QString(), u"env-key-123"_s, u"***"_s, u"flag-key-456"_s, u"***"_s,
          u"(not set)"_s}},
        {u"PFA_DATA_KEY_FILE"_s,
         {u"/etc/pfa-sync/data.key"_s, u"/etc/pfa-sync/data.key"_s, u"/env/data.key"_s,
          u"/env/data.key"_s, u"/flag/data.key"_s, u"/flag/data.key"_s, u"(not set)"_s}},
        {u"ENABLE_WRITE_SYNC"_s,
         {u"off"_s, u"false"_s, u"YES"_s, u"true"_s, u"0"_s, u"false"_s, u"true"_s}},
        {u"WRITE_SYNC_SCHEDULE"_s,
         {u"0 * * * *"_s, u"0 * * * *"_s, u"*/5 * * * *"_s, u"*/5 * * * *"_s, u"0 9 * * MON-FRI"_s,
          u"0 9 * * MON-FRI"_s, u"*/1 * * * *"_s}},
        {u"WRITE_SYNC_BATCH_SIZE"_s,
         {u"10"_s, u"10"_s, u"20"_s, u"20"_s, u"1000"_s, u"1000"_s, u"100"_s}},
        {u"WRITE_SYNC_MAX_RETRIES"_s, {u"0"_s, u"0"_s, u"5"_s, u"5"_s, u"20"_s, u"20"_s, u"3"_s}},
        {u"WRITE_SYNC_RETRY_DELAY"_s,
         {u"100"_s, u"100"_s, u"60000"_s, u"60000"_s, u"3600000"_s, u"3600000"_s, u"5000"_s}},
        {u"PEMS_API_RATE_LIMIT"_s,
         {u"0"_s, u"0"_s, u"50"_s, u"50"_s, u"1000"_s, u"1000"_s, u"10"_s}},
        {u"PEMS_REQUEST_TIMEOUT"_s,
         {u"1000"_s, u"1000"_s, u"5000"_s, u"5000"_s, u"600000"_s, u"600000"_s, u"30000"_s}},
        {u"SYNC_RETENTION_DAYS"_s,
         {u"1"_s, u"1"_s, u"90"_s, u"90"_s, u"3650"_s, u"3650"_s, u"30"_s}},
        {u"WRITE_SYNC_CONCURRENCY"_s,
         {u"1"_s, u"1"_s, u"64"_s, u"64"_s, u"256"_s, u"256"_s, u"32"_s}},
        {u"READ_SYNC_SCHEDULE"_s,
         {u"0 * * * *"_s, u"0 * * * *"_s, u"*/5 * * * *"_s, u"*/5 * * * *"_s, u"30 2 * * *"_s,
          u"30 2 * * *"_s, u"*/15 * * * *"_s}},
        {u"READ_SYNC_PAGE_SIZE"_s,
         {u"1"_s, u"1"_s, u"500"_s, u"500"_s, u"1000"_s, u"1000"_s, u"1000"_s}},
        {u"SERVICE_LISTEN_ADDRESS"_s,
         {u"10.0.0.1"_s, u"10.0.0.1"_s, u"0.0.0.0"_s, u"0.0.0.0"_s, u"::1"_s, u"::1"_s,
          u"127.0.0.1"_s}},
        {u"SERVICE_PORT"_s,
         {u"9000"_s, u"9000"_s, u"0"_s, u"0"_s, u"65535"_s, u"65535"_s, u"8787"_s}},
        {u"SERVICE_TLS_CERT"_s,
         {u"/etc/pfa-sync/file.pem"_s, u"/etc/pfa-sync/file.pem"_s, u"/env.pem"_s, u"/env.pem"_s,
          u"/flag.pem"_s, u"/flag.pem"_s, u"(not set)"_s}},
        {u"SERVICE_TLS_KEY"_s,
         {u"/etc/pfa-sync/file.key"_s, u"/etc/pfa-sync/file.key"_s, u"/env.key"_s, u"/env.key"_s,
          u"/flag.key"_s, u"/flag.key"_s, u"(not set)"_s}},
        {u"SERVICE_WRITE_RATE_LIMIT"_s,
         {u"1"_s, u"1"_s, u"50"_s, u"50"_s, u"10000"_s, u"10000"_s, u"10"_s}},
        {u"SERVICE_MAX_BODY_BYTES"_s,
         {u"1024"_s, u"1024"_s, u"65536"_s, u"65536"_s, u"67108864"_s, u"67108864"_s,
          u"1048576"_s}},
    };
    return values;
}

QString writeFile(const QTemporaryDir& dir, const QString& content)
{
    const QString path = dir.filePath(u"pfa-sync.ini"_s);
    QFile file(path);
    if (!file.open(QIODevice::WriteOnly | QIODevice::Truncate))
        return {};
    file.write(content.toUtf8());
    return path;
}

// "[group]\nkey=value\n" for the setting's INI key.
QString iniLine(const QString& name, const QString& value)
{
    const QString key(Setting::findByName(name)->iniKey);
    const qsizetype slash = key.indexOf(u'/');
    return u'[' + key.first(slash) + u"]\n"_s + key.sliced(slash + 1) + u'=' + value + u'\n';
}

QString iniKeyDescription(const QString& name)
{
    const QString key(Setting::findByName(name)->iniKey);
    const qsizetype slash = key.indexOf(u'/');
    return u'[' + key.first(slash) + u"] "_s + key.sliced(slash + 1);
}

SettingRow rowOf(const Settings& settings, const QString& name)
{
    for (const SettingRow& row : settings.rows()) {
        if (row.name == name)
            return row;
    }
    return {};
}

QProcessEnvironment environment(const QString& name = {}, const QString& value = {})
{
    QProcessEnvironment env;
    if (!name.isEmpty())
        env.insert(name, value);
    return env;
}

} // namespace

class tst_Settings : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void defaults();
    void tableIsComplete();
    void precedence_data();
    void precedence();
    void typedAccessors();
    void invalidValue_data();
    void invalidValue();
    void secretsMaskedInRowsAndTable();
    void maskUrlPassword_data();
    void maskUrlPassword();
    void secretsRefusedInIni_data();
    void secretsRefusedInIni();
    void databaseUrlWithoutPasswordAllowedInIni();
    void unknownIniKeyRefused_data();
    void unknownIniKeyRefused();
    void unknownOrMalformedFlagRefused_data();
    void unknownOrMalformedFlagRefused();
    void commaCronFromIni_data();
    void commaCronFromIni();
    void iniFileErrors();
    void emptyEnvironmentVariableIsUnset();
    void lastFlagWins();
    void valuesAreTrimmed();
    void formatTableIsAligned();
};

void tst_Settings::defaults()
{
    const auto settings = SettingsLoader::load({}, QProcessEnvironment(), {});
    QVERIFY2(settings.has_value(), qPrintable(settings ? QString() : settings.error().message));
    QCOMPARE(settings->databaseUrl(), QString());
    QVERIFY(settings->pemsWriteApiUrl().isEmpty());
    QCOMPARE(settings->pemsWriteApiKey(), QString());
    QCOMPARE(settings->writeSyncEnabled(), true);
    QCOMPARE(settings->schedule().toString(), u"*/1 * * * *"_s);
    QCOMPARE(settings->batchSize(), 100);
    QCOMPARE(settings->maxRetries(), 3);
    QCOMPARE(settings->retryDelay(), 5000ms);
    QCOMPARE(settings->rateLimit(), 10);
    QCOMPARE(settings->requestTimeout(), 30000ms);
    QCOMPARE(settings->retentionDays(), 30);
    for (const SettingRow& row : settings->rows()) {
        QCOMPARE(row.source, u"default"_s);
        QCOMPARE(row.value, layerValues().at(row.name).defaultShown);
        QVERIFY(!row.description.isEmpty());
    }
}

void tst_Settings::tableIsComplete()
{
    QCOMPARE(Setting::all().size(), pfa::config::kSettingCount);
    QCOMPARE(layerValues().size(), pfa::config::kSettingCount);
    for (const Setting& setting : Setting::all()) {
        QVERIFY2(layerValues().contains(QString(setting.name)), setting.name.data());
        QCOMPARE(&Setting::of(setting.key), &setting);
        QCOMPARE(Setting::findByName(QString(setting.name)), &setting);
        QCOMPARE(Setting::findByIniKey(QString(setting.iniKey)), &setting);
    }
}

void tst_Settings::precedence_data()
{
    QTest::addColumn<QString>("name");
    QTest::addColumn<QString>("fileValue");
    QTest::addColumn<QString>("envValue");
    QTest::addColumn<QString>("flagValue");
    QTest::addColumn<QString>("shown");
    QTest::addColumn<QString>("source");

    for (const Setting& setting : Setting::all()) {
        const QString name(setting.name);
        const LayerValues& v = layerValues().at(name);
        const char* tag = setting.name.data(); // a literal, so NUL-terminated
        QTest::addRow("%s default", tag)
            << name << QString() << QString() << QString() << v.defaultShown << u"default"_s;
        if (!v.file.isEmpty()) {
            QTest::addRow("%s file over default", tag)
                << name << v.file << QString() << QString() << v.fileShown << u"file"_s;
        }
        QTest::addRow("%s environment over file", tag)
            << name << v.file << v.env << QString() << v.envShown << u"environment"_s;
        QTest::addRow("%s flag over environment", tag)
            << name << v.file << v.env << v.flag << v.flagShown << u"flag"_s;
    }
}

void tst_Settings::precedence()
{
    QFETCH(QString, name);
    QFETCH(QString, fileValue);
    QFETCH(QString, envValue);
    QFETCH(QString, flagValue);
    QFETCH(QString, shown);
    QFETCH(QString, source);

    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString iniPath =
        fileValue.isEmpty() ? QString() : writeFile(dir, iniLine(name, fileValue));
    const QStringList flags =
        flagValue.isEmpty() ? QStringList() : QStringList{name + u'=' + flagValue};

    const auto settings = SettingsLoader::load(
        flags, environment(envValue.isEmpty() ? QString() : name, envValue), iniPath);
    QVERIFY2(settings.has_value(), qPrintable(settings ? QString() : settings.error().message));
    const SettingRow row = rowOf(*settings, name);
    QCOMPARE(row.value, shown);
    QCOMPARE(row.source, source == u"file" ? u"file "_s + iniPath : source);

    const std::map<QString, SettingSource> sources{{u"default"_s, SettingSource::Default},
                                                   {u"file"_s, SettingSource::File},
                                                   {u"environment"_s, SettingSource::Environment},
                                                   {u"flag"_s, SettingSource::Flag}};
    QCOMPARE(settings->source(Setting::findByName(name)->key), sources.at(source));
}

void tst_Settings::typedAccessors()
{
    const QStringList flags{
        u"DATABASE_URL=postgresql://pfa:pw@db.example/pfa"_s,
        u"PEMS_WRITE_API_URL=https://pems.example/api/v1"_s,
        u"PEMS_WRITE_API_KEY=key-1"_s,
        u"ENABLE_WRITE_SYNC=no"_s,
        u"WRITE_SYNC_SCHEDULE=15 3 * * SUN"_s,
        u"WRITE_SYNC_BATCH_SIZE=250"_s,
        u"WRITE_SYNC_MAX_RETRIES=7"_s,
        u"WRITE_SYNC_RETRY_DELAY=1500"_s,
        u"PEMS_API_RATE_LIMIT=25"_s,
        u"PEMS_REQUEST_TIMEOUT=45000"_s,
        u"SYNC_RETENTION_DAYS=365"_s,
    };
    const auto settings = SettingsLoader::load(flags, QProcessEnvironment(), {});
    QVERIFY2(settings.has_value(), qPrintable(settings ? QString() : settings.error().message));
    QCOMPARE(settings->databaseUrl(), u"postgresql://pfa:pw@db.example/pfa"_s);
    QCOMPARE(settings->pemsWriteApiUrl(), QUrl(u"https://pems.example/api/v1"_s));
    QCOMPARE(settings->pemsWriteApiKey(), u"key-1"_s);
    QCOMPARE(settings->writeSyncEnabled(), false);
    QCOMPARE(settings->schedule(), *pfa::config::CronExpression::parse(u"15 3 * * SUN"));
    QCOMPARE(settings->batchSize(), 250);
    QCOMPARE(settings->maxRetries(), 7);
    QCOMPARE(settings->retryDelay(), 1500ms);
    QCOMPARE(settings->rateLimit(), 25);
    QCOMPARE(settings->requestTimeout(), 45s);
    QCOMPARE(settings->retentionDays(), 365);
}

void tst_Settings::invalidValue_data()
{
    QTest::addColumn<QString>("name");
    QTest::addColumn<QString>("source");
    QTest::addColumn<QString>("value");
    QTest::addColumn<QString>("rule");

    QTest::newRow("database url scheme")
        << u"DATABASE_URL"_s << u"environment"_s << u"mysql://u:hunter2@h/db"_s
        << u"\"mysql://u:***@h/db\" is not a postgresql:// URL"_s;
    QTest::newRow("api url scheme")
        << u"PEMS_WRITE_API_URL"_s << u"flag"_s << u"ftp://files.example"_s
        << u"\"ftp://files.example\" is not an http:// or https:// URL"_s;
    QTest::newRow("api url text") << u"PEMS_WRITE_API_URL"_s << u"file"_s << u"not a url"_s
                                  << u"\"not a url\" is not an http:// or https:// URL"_s;
    QTest::newRow("bool") << u"ENABLE_WRITE_SYNC"_s << u"environment"_s << u"maybe"_s
                          << u"\"maybe\" is not a boolean (true/false, 1/0, yes/no, on/off)"_s;
    QTest::newRow("bool from file")
        << u"ENABLE_WRITE_SYNC"_s << u"file"_s << u"2"_s
        << u"\"2\" is not a boolean (true/false, 1/0, yes/no, on/off)"_s;
    QTest::newRow("cron field") << u"WRITE_SYNC_SCHEDULE"_s << u"environment"_s << u"0 25 * * *"_s
                                << u"\"0 25 * * *\" is not a valid cron schedule: hour: 25 is "
                                   u"outside 0-23"_s;
    QTest::newRow("cron never fires") << u"WRITE_SYNC_SCHEDULE"_s << u"file"_s << u"0 0 31 2 *"_s
                                      << u"\"0 0 31 2 *\" never fires: no date matches it"_s;
    QTest::newRow("batch text") << u"WRITE_SYNC_BATCH_SIZE"_s << u"environment"_s << u"abc"_s
                                << u"\"abc\" is not a whole number between 1 and 1000"_s;
    QTest::newRow("batch zero") << u"WRITE_SYNC_BATCH_SIZE"_s << u"flag"_s << u"0"_s
                                << u"\"0\" is not a whole number between 1 and 1000"_s;
    QTest::newRow("batch empty flag") << u"WRITE_SYNC_BATCH_SIZE"_s << u"flag"_s << u""_s
                                      << u"\"\" is not a whole number between 1 and 1000"_s;
    QTest::newRow("batch too big") << u"WRITE_SYNC_BATCH_SIZE"_s << u"file"_s << u"1001"_s
                                   << u"\"1001\" is not a whole number between 1 and 1000"_s;
    QTest::newRow("retries negative") << u"WRITE_SYNC_MAX_RETRIES"_s << u"environment"_s << u"-1"_s
                                      << u"\"-1\" is not a whole number between 0 and 20"_s;
    QTest::newRow("retries too many") << u"WRITE_SYNC_MAX_RETRIES"_s << u"file"_s << u"21"_s
                                      << u"\"21\" is not a whole number between 0 and 20"_s;
    QTest::newRow("retry delay") << u"WRITE_SYNC_RETRY_DELAY"_s << u"flag"_s << u"99"_s
                                 << u"\"99\" is not a whole number of milliseconds between 100 "
                                    u"and 3600000"_s;
    QTest::newRow("rate limit fraction")
        << u"PEMS_API_RATE_LIMIT"_s << u"environment"_s << u"1.5"_s
        << u"\"1.5\" is not a whole number of requests per second between 0 and 1000"_s;
    QTest::newRow("timeout") << u"PEMS_REQUEST_TIMEOUT"_s << u"file"_s << u"999"_s
                             << u"\"999\" is not a whole number of milliseconds between 1000 and "
                                u"600000"_s;
    QTest::newRow("retention overflow")
        << u"SYNC_RETENTION_DAYS"_s << u"environment"_s << u"99999999999"_s
        << u"\"99999999999\" is not a whole number of days between 1 and 3650"_s;
}

void tst_Settings::invalidValue()
{
    QFETCH(QString, name);
    QFETCH(QString, source);
    QFETCH(QString, value);
    QFETCH(QString, rule);

    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    QString iniPath;
    QStringList flags;
    QProcessEnvironment env;
    QString from;
    if (source == u"file") {
        iniPath = writeFile(dir, iniLine(name, value));
        from = u"from file %1 (%2)"_s.arg(iniPath, iniKeyDescription(name));
    } else if (source == u"environment") {
        env.insert(name, value);
        from = u"from the environment"_s;
    } else {
        flags.append(name + u'=' + value);
        from = u"from --set"_s;
    }

    const auto settings = SettingsLoader::load(flags, env, iniPath);
    QVERIFY(!settings.has_value());
    QCOMPARE(settings.error().code, pfa::ErrorCode::Config);
    QCOMPARE(settings.error().field, name);
    QCOMPARE(settings.error().message, name + u' ' + from + u": "_s + rule);
    QVERIFY(!settings.error().message.contains(u"hunter2"));
}

void tst_Settings::secretsMaskedInRowsAndTable()
{
    const QString dbPassword = u"Sup3r-DB-pass"_s;
    const QString apiKey = u"Very-Secret-Key-42"_s;
    const QString dbUrl =
        u"postgresql://pfa:"_s + dbPassword + u"@db.example:5432/pfa?sslmode=require"_s;

    const auto settings = SettingsLoader::load({u"PEMS_WRITE_API_KEY="_s + apiKey},
                                               environment(u"DATABASE_URL"_s, dbUrl), {});
    QVERIFY2(settings.has_value(), qPrintable(settings ? QString() : settings.error().message));
    QCOMPARE(settings->databaseUrl(), dbUrl);
    QCOMPARE(settings->pemsWriteApiKey(), apiKey);

    QCOMPARE(rowOf(*settings, u"DATABASE_URL"_s).value,
             u"postgresql://pfa:***@db.example:5432/pfa?sslmode=require"_s);
    QCOMPARE(rowOf(*settings, u"PEMS_WRITE_API_KEY"_s).value, u"***"_s);
    for (const SettingRow& row : settings->rows()) {
        for (const QString& secret : {dbPassword, apiKey}) {
            QVERIFY(!row.name.contains(secret));
            QVERIFY(!row.value.contains(secret));
            QVERIFY(!row.source.contains(secret));
            QVERIFY(!row.description.contains(secret));
        }
    }
    const QString table = settings->formatTable();
    QVERIFY(!table.contains(dbPassword));
    QVERIFY(!table.contains(apiKey));
    QVERIFY(table.contains(u"postgresql://pfa:***@db.example:5432/pfa?sslmode=require"));
}

void tst_Settings::maskUrlPassword_data()
{
    QTest::addColumn<QString>("url");
    QTest::addColumn<QString>("masked");

    QTest::newRow("empty") << u""_s << u""_s;
    QTest::newRow("user info") << u"postgresql://pfa:pw@host/db"_s
                               << u"postgresql://pfa:***@host/db"_s;
    QTest::newRow("no password") << u"postgresql://pfa@host:5432/db"_s
                                 << u"postgresql://pfa@host:5432/db"_s;
    QTest::newRow("no user") << u"postgresql://host:5432/db"_s << u"postgresql://host:5432/db"_s;
    QTest::newRow("empty password")
        << u"postgresql://pfa:@host/db"_s << u"postgresql://pfa:@host/db"_s;
    QTest::newRow("raw special characters")
        << u"postgresql://pfa:p@ss/w?rd@host:5432/db"_s << u"postgresql://pfa:***@host:5432/db"_s;
    QTest::newRow("query parameter")
        << u"postgresql://host/db?user=pfa&password=pw&sslmode=require"_s
        << u"postgresql://host/db?user=pfa&password=***&sslmode=require"_s;
    QTest::newRow("ssl password") << u"postgresql://host/db?sslpassword=pw"_s
                                  << u"postgresql://host/db?sslpassword=***"_s;
    QTest::newRow("both") << u"postgres://u:a@h/db?password=b"_s
                          << u"postgres://u:***@h/db?password=***"_s;
    QTest::newRow("keyword form") << u"host=db user=pfa password=pw dbname=pfa"_s
                                  << u"host=db user=pfa password=*** dbname=pfa"_s;
    QTest::newRow("quoted keyword")
        << u"host=db password='p w\\' x' dbname=pfa"_s << u"host=db password=*** dbname=pfa"_s;
    QTest::newRow("upper case") << u"PASSWORD=pw"_s << u"PASSWORD=***"_s;
    QTest::newRow("https") << u"https://user:token@pems.example/api"_s
                           << u"https://user:***@pems.example/api"_s;
}

void tst_Settings::maskUrlPassword()
{
    QFETCH(QString, url);
    QFETCH(QString, masked);
    QCOMPARE(pfa::config::maskUrlPassword(url), masked);
    QCOMPARE(pfa::config::containsUrlPassword(url), url != masked);
}

void tst_Settings::secretsRefusedInIni_data()
{
    QTest::addColumn<QString>("content");
    QTest::addColumn<QString>("field");
    QTest::addColumn<QString>("advice");

    QTest::newRow("api key") << u"[pems]\nwrite_api_key=Ini-Secret-Key\n"_s
                             << u"PEMS_WRITE_API_KEY"_s
                             << u"set PEMS_WRITE_API_KEY in the environment instead"_s;
    QTest::newRow("api key, environment spelling")
        << u"PEMS_WRITE_API_KEY=Ini-Secret-Key\n"_s << u"PEMS_WRITE_API_KEY"_s
        << u"set PEMS_WRITE_API_KEY in the environment instead"_s;
    QTest::newRow("database password")
        << u"[database]\nurl=postgresql://pfa:Ini-Secret-Key@db/pfa\n"_s << u"DATABASE_URL"_s
        << u"set DATABASE_URL in the environment or put the password in a .pgpass file"_s;
    QTest::newRow("database password parameter")
        << u"[database]\nurl=postgresql://db/pfa?password=Ini-Secret-Key\n"_s << u"DATABASE_URL"_s
        << u"put the password in a .pgpass file"_s;
    QTest::newRow("api url password")
        << u"[pems]\nwrite_api_url=https://u:Ini-Secret-Key@pems.example/api\n"_s
        << u"PEMS_WRITE_API_URL"_s << u"set PEMS_WRITE_API_URL in the environment instead"_s;
}

void tst_Settings::secretsRefusedInIni()
{
    QFETCH(QString, content);
    QFETCH(QString, field);
    QFETCH(QString, advice);

    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString path = writeFile(dir, content);
    // Even when a higher source supplies the value, the file itself is wrong.
    const auto settings =
        SettingsLoader::load({field + u"=https://ok.example/x"_s}, QProcessEnvironment(), path);
    QVERIFY(!settings.has_value());
    QCOMPARE(settings.error().code, pfa::ErrorCode::Config);
    QCOMPARE(settings.error().field, field);
    QVERIFY2(settings.error().message.startsWith(field + u" in "_s + path),
             qPrintable(settings.error().message));
    QVERIFY2(settings.error().message.contains(advice), qPrintable(settings.error().message));
    QVERIFY(!settings.error().message.contains(u"Ini-Secret-Key"));
}

void tst_Settings::databaseUrlWithoutPasswordAllowedInIni()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString path = writeFile(dir, u"[database]\nurl=postgresql://pfa@db.example/pfa\n"_s);
    const auto settings = SettingsLoader::load({}, QProcessEnvironment(), path);
    QVERIFY2(settings.has_value(), qPrintable(settings ? QString() : settings.error().message));
    QCOMPARE(settings->databaseUrl(), u"postgresql://pfa@db.example/pfa"_s);
    QCOMPARE(settings->source(SettingKey::DatabaseUrl), SettingSource::File);
}

void tst_Settings::unknownIniKeyRefused_data()
{
    QTest::addColumn<QString>("content");
    QTest::addColumn<QString>("field");
    QTest::addColumn<QString>("expected");

    QTest::newRow("typo") << u"[sync]\nbatch_size=5\nbatchsize=5\n"_s << u"sync/batchsize"_s
                          << u"unknown key \"[sync] batchsize\"; known keys are [database] url, "_s;
    QTest::newRow("case") << u"[sync]\nBatch_Size=5\n"_s << u"sync/Batch_Size"_s
                          << u"unknown key \"[sync] Batch_Size\""_s;
    QTest::newRow("unknown group")
        << u"[other]\nx=1\n"_s << u"other/x"_s << u"unknown key \"[other] x\""_s;
    QTest::newRow("environment spelling")
        << u"WRITE_SYNC_BATCH_SIZE=5\n"_s << u"WRITE_SYNC_BATCH_SIZE"_s
        << u"unknown key \"WRITE_SYNC_BATCH_SIZE\"; in the configuration file "
           u"WRITE_SYNC_BATCH_SIZE is written [sync] batch_size"_s;
}

void tst_Settings::unknownIniKeyRefused()
{
    QFETCH(QString, content);
    QFETCH(QString, field);
    QFETCH(QString, expected);

    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString path = writeFile(dir, content);
    const auto settings = SettingsLoader::load({}, QProcessEnvironment(), path);
    QVERIFY(!settings.has_value());
    QCOMPARE(settings.error().code, pfa::ErrorCode::Config);
    QCOMPARE(settings.error().field, field);
    QVERIFY2(settings.error().message.startsWith(path + u": "_s + expected),
             qPrintable(settings.error().message));
}

void tst_Settings::unknownOrMalformedFlagRefused_data()
{
    QTest::addColumn<QStringList>("flags");
    QTest::addColumn<QString>("field");
    QTest::addColumn<QString>("expected");

    QTest::newRow("typo") << QStringList{u"WRITE_SYNC_BATCH_SIZE=5"_s, u"WRITE_SYNC_BATCHSIZE=5"_s}
                          << u"WRITE_SYNC_BATCHSIZE"_s
                          << u"--set WRITE_SYNC_BATCHSIZE: unknown setting; known settings are "
                             u"DATABASE_URL, "_s;
    QTest::newRow("lower case") << QStringList{u"write_sync_batch_size=5"_s}
                                << u"write_sync_batch_size"_s
                                << u"--set write_sync_batch_size: unknown setting"_s;
    QTest::newRow("no equals") << QStringList{u"Very-Secret-Key"_s} << QString()
                               << u"--set expects NAME=VALUE, but argument 1 of --set has no "
                                  u"NAME= part"_s;
    QTest::newRow("no name") << QStringList{u"ENABLE_WRITE_SYNC=on"_s, u"=Very-Secret-Key"_s}
                             << QString()
                             << u"--set expects NAME=VALUE, but argument 2 of --set has no "
                                u"NAME= part"_s;
}

void tst_Settings::unknownOrMalformedFlagRefused()
{
    QFETCH(QStringList, flags);
    QFETCH(QString, field);
    QFETCH(QString, expected);

    const auto settings = SettingsLoader::load(flags, QProcessEnvironment(), {});
    QVERIFY(!settings.has_value());
    QCOMPARE(settings.error().code, pfa::ErrorCode::Config);
    QCOMPARE(settings.error().field, field);
    QVERIFY2(settings.error().message.startsWith(expected), qPrintable(settings.error().message));
    QVERIFY(!settings.error().message.contains(u"Very-Secret-Key"));
}

void tst_Settings::commaCronFromIni_data()
{
    QTest::addColumn<QString>("written");
    QTest::addColumn<QString>("schedule");

    QTest::newRow("minute list") << u"0,30 * * * *"_s << u"0,30 * * * *"_s;
    QTest::newRow("several lists")
        << u"0 9,17 * JAN,JUL MON,FRI"_s << u"0 9,17 * JAN,JUL MON,FRI"_s;
    QTest::newRow("quoted") << u"\"0,15,45 * * * *\""_s << u"0,15,45 * * * *"_s;
}

void tst_Settings::commaCronFromIni()
{
    QFETCH(QString, written);
    QFETCH(QString, schedule);

    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString path = writeFile(dir, u"[sync]\nschedule="_s + written + u'\n');
    const auto settings = SettingsLoader::load({}, QProcessEnvironment(), path);
    QVERIFY2(settings.has_value(), qPrintable(settings ? QString() : settings.error().message));
    QCOMPARE(settings->schedule().toString(), schedule);
    QCOMPARE(settings->source(SettingKey::WriteSyncSchedule), SettingSource::File);
}

void tst_Settings::iniFileErrors()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());

    const QString missing = dir.filePath(u"missing.ini"_s);
    auto settings = SettingsLoader::load({}, QProcessEnvironment(), missing);
    QVERIFY(!settings.has_value());
    QCOMPARE(settings.error().code, pfa::ErrorCode::Config);
    QCOMPARE(settings.error().message, u"configuration file %1 does not exist"_s.arg(missing));

    settings = SettingsLoader::load({}, QProcessEnvironment(), dir.path());
    QVERIFY(!settings.has_value());
    QCOMPARE(settings.error().message,
             u"configuration file %1 is not a regular file"_s.arg(dir.path()));

    const QString malformed = writeFile(dir, u"[sync\nbatch_size=5\n"_s);
    settings = SettingsLoader::load({}, QProcessEnvironment(), malformed);
    QVERIFY(!settings.has_value());
    QCOMPARE(settings.error().message,
             u"configuration file %1 is not a valid INI file"_s.arg(malformed));
}

void tst_Settings::emptyEnvironmentVariableIsUnset()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString path = writeFile(dir, u"[sync]\nbatch_size=10\n"_s);
    const auto settings =
        SettingsLoader::load({}, environment(u"WRITE_SYNC_BATCH_SIZE"_s, QString()), path);
    QVERIFY2(settings.has_value(), qPrintable(settings ? QString() : settings.error().message));
    QCOMPARE(settings->batchSize(), 10);
    QCOMPARE(settings->source(SettingKey::WriteSyncBatchSize), SettingSource::File);
}

void tst_Settings::lastFlagWins()
{
    const auto settings = SettingsLoader::load(
        {u"WRITE_SYNC_BATCH_SIZE=5"_s, u"WRITE_SYNC_BATCH_SIZE=6"_s}, QProcessEnvironment(), {});
    QVERIFY(settings.has_value());
    QCOMPARE(settings->batchSize(), 6);
}

void tst_Settings::valuesAreTrimmed()
{
    QProcessEnvironment env;
    env.insert(u"WRITE_SYNC_BATCH_SIZE"_s, u" 42 \n"_s);
    env.insert(u"WRITE_SYNC_SCHEDULE"_s, u"  0   12 * * *  "_s);
    const auto settings = SettingsLoader::load({u"ENABLE_WRITE_SYNC= Off "_s}, env, {});
    QVERIFY2(settings.has_value(), qPrintable(settings ? QString() : settings.error().message));
    QCOMPARE(settings->batchSize(), 42);
    QCOMPARE(settings->schedule().toString(), u"0 12 * * *"_s);
    QCOMPARE(settings->writeSyncEnabled(), false);
}

void tst_Settings::formatTableIsAligned()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString path = writeFile(dir, u"[sync]\nretention_days=7\n"_s);
    const auto settings = SettingsLoader::load(
        {u"PEMS_WRITE_API_KEY=k"_s}, environment(u"WRITE_SYNC_BATCH_SIZE"_s, u"5"_s), path);
    QVERIFY2(settings.has_value(), qPrintable(settings ? QString() : settings.error().message));

    const QString table = settings->formatTable();
    QVERIFY(table.endsWith(u'\n'));
    const QStringList lines = table.chopped(1).split(u'\n');
    QCOMPARE(lines.size(), qsizetype(pfa::config::kSettingCount + 1));

    const QString& header = lines.front();
    QVERIFY(header.startsWith(u"NAME "));
    const qsizetype valueColumn = header.indexOf(u"VALUE");
    const qsizetype sourceColumn = header.indexOf(u"SOURCE");
    const qsizetype descriptionColumn = header.indexOf(u"DESCRIPTION");
    QVERIFY(valueColumn > 0 && sourceColumn > valueColumn && descriptionColumn > sourceColumn);

    const std::vector<SettingRow> rows = settings->rows();
    for (std::size_t i = 0; i < rows.size(); ++i) {
        const QString& line = lines[static_cast<qsizetype>(i) + 1];
        const SettingRow& row = rows[i];
        QCOMPARE(line.first(row.name.size()), row.name);
        QCOMPARE(line.mid(valueColumn, row.value.size()), row.value);
        QCOMPARE(line.mid(sourceColumn, row.source.size()), row.source);
        QCOMPARE(line.sliced(descriptionColumn), row.description);
        QVERIFY(line.at(valueColumn - 1).isSpace());
        QVERIFY(line.at(sourceColumn - 1).isSpace());
        QVERIFY(line.at(descriptionColumn - 1).isSpace());
    }
    QVERIFY(table.contains(u"SYNC_RETENTION_DAYS"));
    QVERIFY(table.contains(u"file "_s + path));
    QVERIFY(table.contains(u"environment"));
    QVERIFY(table.contains(u"flag"));
}

QTEST_GUILESS_MAIN(tst_Settings)
#include "tst_settings.moc"
