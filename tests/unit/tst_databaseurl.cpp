#include "db/DatabaseUrl.h"

#include <QSqlDatabase>
#include <QTest>

using namespace Qt::StringLiterals;
using pfa::db::ConnectionParams;

namespace pfa::test {

class TstDatabaseUrl final : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void parses_data();
    void parses();
    void rejects_data();
    void rejects();
    void masks_data();
    void masks();
    void maskedUrlParsesToTheSameTarget();
    void readsLocalPostgresUrls();
    void appliesToQSqlDatabase();
};

void TstDatabaseUrl::parses_data()
{
    QTest::addColumn<QString>("url");
    QTest::addColumn<QString>("host");
    QTest::addColumn<int>("port");
    QTest::addColumn<QString>("user");
    QTest::addColumn<QString>("password");
    QTest::addColumn<QString>("dbname");
    QTest::addColumn<QString>("sslmode");
    QTest::addColumn<QMap<QString, QString>>("options");

    const QMap<QString, QString> none;
    QTest::newRow("defaults") << u"postgresql://"_s << QString() << 5432 << QString() << QString()
                              << QString() << QString() << none;
    QTest::newRow("short scheme") << u"postgres://localhost"_s << u"localhost"_s << 5432
                                  << QString() << QString() << QString() << QString() << none;
    QTest::newRow("scheme case") << u"PostgreSQL://h"_s << u"h"_s << 5432 << QString() << QString()
                                 << QString() << QString() << none;
    QTest::newRow("everything") << u"postgresql://alice:s3cret@db.example.com:6543/pfa"_s
                                << u"db.example.com"_s << 6543 << u"alice"_s << u"s3cret"_s
                                << u"pfa"_s << QString() << none;
    QTest::newRow("socket in query")
        << u"postgresql://alice@/pfa?host=%2Fvar%2Frun%2Fpostgresql"_s << u"/var/run/postgresql"_s
        << 5432 << u"alice"_s << QString() << u"pfa"_s << QString() << none;
    QTest::newRow("unescaped socket in query")
        << u"postgresql:///pfa?host=/tmp/sock"_s << u"/tmp/sock"_s << 5432 << QString() << QString()
        << u"pfa"_s << QString() << none;
    QTest::newRow("socket as host")
        << u"postgresql://%2Fvar%2Flib%2Fpostgresql/pfa"_s << u"/var/lib/postgresql"_s << 5432
        << QString() << QString() << u"pfa"_s << QString() << none;
    QTest::newRow("ipv6") << u"postgresql://[::1]:5433/db"_s << u"::1"_s << 5433 << QString()
                          << QString() << u"db"_s << QString() << none;
    QTest::newRow("ipv6 default port") << u"postgresql://[fe80::1]/db"_s << u"fe80::1"_s << 5432
                                       << QString() << QString() << u"db"_s << QString() << none;
    QTest::newRow("escaped password") << u"postgresql://u:p%40ss%3Aw%2Frd@h/db"_s << u"h"_s << 5432
                                      << u"u"_s << u"p@ss:w/rd"_s << u"db"_s << QString() << none;
    QTest::newRow("unescaped @ in password") << u"postgresql://u:p@ss@h/db"_s << u"h"_s << 5432
                                             << u"u"_s << u"p@ss"_s << u"db"_s << QString() << none;
    QTest::newRow("plus stays plus") << u"postgresql://u:a+b@h"_s << u"h"_s << 5432 << u"u"_s
                                     << u"a+b"_s << QString() << QString() << none;
    QTest::newRow("empty port") << u"postgresql://h:/db"_s << u"h"_s << 5432 << QString()
                                << QString() << u"db"_s << QString() << none;
    QTest::newRow("utf-8") << u"postgresql://h/caf%C3%A9"_s << u"h"_s << 5432 << QString()
                           << QString() << u"café"_s << QString() << none;
    QTest::newRow("query overrides")
        << u"postgresql://u:p@h:1/d?port=2&user=v&dbname=e&password=x&host=k"_s << u"k"_s << 2
        << u"v"_s << u"x"_s << u"e"_s << QString() << none;
    QTest::newRow("options")
        << u"postgresql://h/d?sslmode=verify-full&connect_timeout=10&application_name=pfa%20sync&"_s
        << u"h"_s << 5432 << QString() << QString() << u"d"_s << u"verify-full"_s
        << QMap<QString, QString>{{u"connect_timeout"_s, u"10"_s},
                                  {u"application_name"_s, u"pfa sync"_s}};
}

void TstDatabaseUrl::parses()
{
    QFETCH(QString, url);
    const auto params = db::parseDatabaseUrl(url);
    QVERIFY2(params, qPrintable(params ? QString() : params.error().toString()));
    QTEST(params->host, "host");
    QTEST(params->port, "port");
    QTEST(params->user, "user");
    QTEST(params->password, "password");
    QTEST(params->dbname, "dbname");
    QTEST(params->sslmode, "sslmode");
    QTEST(params->options, "options");
}

void TstDatabaseUrl::rejects_data()
{
    QTest::addColumn<QString>("url");
    QTest::addColumn<QString>("message");
    QTest::addColumn<QString>("secret"); // must not appear in the message

    QTest::newRow("scheme") << u"mysql://u:topsecret@h/d"_s << u"unknown scheme 'mysql'"_s
                            << u"topsecret"_s;
    QTest::newRow("not a url") << u"localhost:5432"_s << u"not a PostgreSQL URL"_s << QString();
    QTest::newRow("keyword form") << u"host=h password=topsecret"_s << u"not a PostgreSQL URL"_s
                                  << u"topsecret"_s;
    QTest::newRow("port range") << u"postgresql://u:topsecret@h:99999/d"_s << u"bad port '99999'"_s
                                << u"topsecret"_s;
    QTest::newRow("port text") << u"postgresql://u:topsecret@h:abc/d"_s << u"bad port 'abc'"_s
                               << u"topsecret"_s;
    QTest::newRow("port zero") << u"postgresql://h/d?port=0"_s << u"bad port '0'"_s << QString();
    // An unescaped '/' in the password makes "top" look like the port: it must not be quoted.
    QTest::newRow("slash in password")
        << u"postgresql://u:top/secret@h/d"_s << u"bad port"_s << u"top"_s;
    QTest::newRow("parameter") << u"postgresql://u:topsecret@h/d?foo=bar"_s
                               << u"unknown parameter 'foo'"_s << u"topsecret"_s;
    QTest::newRow("sslmode") << u"postgresql://h/d?sslmode=maybe"_s << u"bad sslmode 'maybe'"_s
                             << QString();
    QTest::newRow("sslmode equal to password")
        << u"postgresql://h/d?password=othersecret&sslmode=othersecret"_s << u"bad sslmode"_s
        << u"othersecret"_s;
    QTest::newRow("connect_timeout")
        << u"postgresql://h/d?connect_timeout=-1"_s << u"bad connect_timeout '-1'"_s << QString();
    QTest::newRow("no value") << u"postgresql://h/d?sslmode"_s
                              << u"parameter 'sslmode' has no value"_s << QString();
    QTest::newRow("several hosts") << u"postgresql://h1,h2/d"_s << u"several hosts"_s << QString();
    QTest::newRow("ipv6") << u"postgresql://[::1/d"_s << u"unterminated IPv6"_s << QString();
    QTest::newRow("bad escape in password")
        << u"postgresql://u:top%zzsecret@h/d"_s << u"bad percent-encoding in the password"_s
        << u"top"_s;
    QTest::newRow("nul") << u"postgresql://h/d%00"_s
                         << u"bad percent-encoding in the database name"_s << QString();
}

void TstDatabaseUrl::rejects()
{
    QFETCH(QString, url);
    QFETCH(QString, message);
    QFETCH(QString, secret);
    const auto params = db::parseDatabaseUrl(url);
    QVERIFY(!params);
    QCOMPARE(params.error().code, ErrorCode::InvalidInput);
    QCOMPARE(params.error().field, u"DATABASE_URL"_s);
    QVERIFY2(params.error().message.contains(message), qPrintable(params.error().message));
    if (!secret.isEmpty())
        QVERIFY2(!params.error().toString().contains(secret), qPrintable(params.error().message));
}

void TstDatabaseUrl::masks_data()
{
    QTest::addColumn<QString>("url");
    QTest::addColumn<QString>("masked");

    QTest::newRow("user info") << u"postgresql://alice:s3cret@h:5432/pfa?sslmode=require"_s
                               << u"postgresql://alice:***@h:5432/pfa?sslmode=require"_s;
    QTest::newRow("no password") << u"postgresql://alice@h/pfa"_s << u"postgresql://alice@h/pfa"_s;
    QTest::newRow("parameter") << u"postgresql://h/pfa?password=s3cret&sslmode=require"_s
                               << u"postgresql://h/pfa?password=***&sslmode=require"_s;
    QTest::newRow("unescaped @") << u"postgresql://alice:p@ss@h/pfa"_s
                                 << u"postgresql://alice:***@h/pfa"_s;
    QTest::newRow("unescaped / (invalid)")
        << u"postgresql://alice:pa/ss@h/pfa"_s << u"postgresql://alice:***@h/pfa"_s;
    QTest::newRow("unescaped / (valid)")
        << u"postgresql://alice:1234/ss@h/pfa"_s << u"postgresql://alice:***@h/pfa"_s;
    QTest::newRow("other scheme") << u"mysql://u:s3cret@h"_s << u"mysql://u:***@h"_s;
    QTest::newRow("keyword form") << u"host=h password=s3cret dbname=pfa"_s
                                  << u"host=h password=*** dbname=pfa"_s;
    QTest::newRow("keyword form, quoted")
        << uR"(host=h password='a b\'c' dbname=pfa)"_s << u"host=h password=*** dbname=pfa"_s;
}

void TstDatabaseUrl::masks()
{
    QFETCH(QString, url);
    QTEST(db::maskedDatabaseUrl(url), "masked");
}

void TstDatabaseUrl::maskedUrlParsesToTheSameTarget()
{
    const QString url = u"postgresql://alice:s3cret@h:6543/pfa?password=x&sslmode=require"_s;
    const auto original = db::parseDatabaseUrl(url);
    const auto masked = db::parseDatabaseUrl(db::maskedDatabaseUrl(url));
    QVERIFY(original && masked);
    QCOMPARE(masked->host, original->host);
    QCOMPARE(masked->port, original->port);
    QCOMPARE(masked->user, original->user);
    QCOMPARE(masked->dbname, original->dbname);
    QCOMPARE(masked->password, u"***"_s);
}

void TstDatabaseUrl::readsLocalPostgresUrls()
{
    const auto params =
        db::parseDatabaseUrl(u"postgresql://pfa@/pfa_test?host=%2Ftmp%2Fpfa-pg-Ab12Cd"_s);
    QVERIFY(params);
    QCOMPARE(params->host, u"/tmp/pfa-pg-Ab12Cd"_s);
    QCOMPARE(params->user, u"pfa"_s);
    QCOMPARE(params->dbname, u"pfa_test"_s);
}

void TstDatabaseUrl::appliesToQSqlDatabase()
{
    const auto params = db::parseDatabaseUrl(
        u"postgresql://alice:s3cret@h:6543/pfa?sslmode=require&connect_timeout=5&application_name=pfa%20sync"_s);
    QVERIFY(params);
    const QString name = u"tst_databaseurl"_s;
    {
        QSqlDatabase db = QSqlDatabase::addDatabase(u"QPSQL"_s, name);
        db::applyTo(*params, db);
        QCOMPARE(db.hostName(), u"h"_s);
        QCOMPARE(db.port(), 6543);
        QCOMPARE(db.userName(), u"alice"_s);
        QCOMPARE(db.password(), u"s3cret"_s);
        QCOMPARE(db.databaseName(), u"pfa"_s);
        QCOMPARE(db.connectOptions(),
                 u"sslmode=require;application_name='pfa sync';connect_timeout=5"_s);
    }
    QSqlDatabase::removeDatabase(name);
}

} // namespace pfa::test

QTEST_GUILESS_MAIN(pfa::test::TstDatabaseUrl)
#include "tst_databaseurl.moc"
