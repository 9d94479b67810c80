#include "db/AuditRepository.h"
#include "db/OrganizationRepository.h"
#include "db/Sql.h"
#include "db/SqlError.h"
#include "support/TestDatabase.h"
#include "support/Verify.h"

#include <QTest>

#include <set>

using namespace Qt::StringLiterals;

namespace pfa::test {

namespace {

// One audit_log row as read with plain SQL, independently of AuditRepository.
struct Row
{
    qint64 id = 0;
    std::optional<qint64> organizationId;
    QString entity;
    QString entityId;
    QString action;
};

QList<qint64> idsOf(const std::vector<model::AuditEntry>& entries)
{
    QList<qint64> ids;
    for (const model::AuditEntry& entry : entries)
        ids << entry.id;
    return ids;
}

} // namespace

class TstAudit final : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void init();
    void cleanup();

    void rowsCannotBeChanged_data();
    void rowsCannotBeChanged();
    void entriesRoundTrip();
    void listFilters_data();
    void listFilters();
    void keysetPagingVisitsEveryRowOnce();

private:
    void seedTrail();        // two organizations and a trail of 30 entries across them
    std::vector<Row> rows(); // newest first
    QString snapshot();      // every column of every row, for "nothing changed"

    std::unique_ptr<TestDatabase> m_db;
    std::map<QString, qint64> m_organizations; // code -> id
};

void TstAudit::init()
{
    auto created = TestDatabase::create();
    PFA_VERIFY_OK(created);
    m_db = std::move(*created);
    m_organizations.clear();
    seedTrail();
}

void TstAudit::cleanup()
{
    m_db.reset();
}

void TstAudit::seedTrail()
{
    const db::OrganizationRepository organizations(m_db->connection());
    for (const QString& code : {u"ACME"_s, u"BHP"_s}) {
        auto organization = organizations.create(code, code + u" Mining"_s, u"admin@pfa.example"_s);
        if (!organization)
            qFatal("%s", qPrintable(organization.error().toString()));
        m_organizations[code] = organization->id;
    }
    const QStringList actions{u"modification.queued"_s, u"modification.synced"_s,
                              u"modification.failed"_s};
    const db::AuditRepository audit(m_db->connection());
    for (int i = 0; i < 30; ++i) {
        const bool acme = i % 3 != 0;
        model::AuditEntry entry;
        entry.actor = i % 2 ? u"worker-1"_s : u"pat@acme.example"_s;
        entry.organizationId = m_organizations[acme ? u"ACME"_s : u"BHP"_s];
        if (i % 5 == 4) {
            entry.entity = u"sync_job"_s;
            entry.entityId = QString::number(i / 5);
            entry.action = u"job.finished"_s;
        } else {
            entry.entity = u"pfa_modification"_s;
            entry.entityId = QString::number(100 + i % 4);
            entry.action = actions[i % 3];
        }
        entry.before = {{"status", "queued"}};
        entry.after = {{"status", "synced"}, {"step", i}};
        entry.details = {{"attempt", i % 4 + 1}};
        if (auto appended = audit.append(entry); !appended)
            qFatal("%s", qPrintable(appended.error().toString()));
    }
}

std::vector<Row> TstAudit::rows()
{
    std::vector<Row> all;
    auto query =
        db::runQuery(m_db->connection(), u"read audit_log",
                     u"SELECT id, organization_id, entity, entity_id, action FROM audit_log"
                     " ORDER BY id DESC"_s);
    if (!query) {
        qWarning("%s", qPrintable(query.error().toString()));
        return all;
    }
    while (query->next()) {
        all.push_back({query->value(0).toLongLong(), db::optionalInt(query->value(1)),
                       query->value(2).toString(), query->value(3).toString(),
                       query->value(4).toString()});
    }
    return all;
}

QString TstAudit::snapshot()
{
    const auto text =
        m_db->value(u"SELECT string_agg(a::text, E'\\n' ORDER BY id) FROM audit_log a"_s);
    return text ? text->toString() : text.error().toString();
}

void TstAudit::rowsCannotBeChanged_data()
{
    QTest::addColumn<QString>("sql");
    QTest::addColumn<QString>("operation");

    QTest::newRow("update one row") << u"UPDATE audit_log SET actor = 'mallory'"
                                       " WHERE id = (SELECT max(id) FROM audit_log)"_s
                                    << u"UPDATE"_s;
    QTest::newRow("update every row") << u"UPDATE audit_log SET details = '{}'"_s << u"UPDATE"_s;
    QTest::newRow("delete one row") << u"DELETE FROM audit_log"
                                       " WHERE id = (SELECT min(id) FROM audit_log)"_s
                                    << u"DELETE"_s;
    QTest::newRow("delete every row") << u"DELETE FROM audit_log"_s << u"DELETE"_s;
    QTest::newRow("delete through a CTE")
        << u"WITH gone AS (DELETE FROM audit_log RETURNING id) SELECT count(*) FROM gone"_s
        << u"DELETE"_s;
    QTest::newRow("truncate") << u"TRUNCATE audit_log"_s << u"TRUNCATE"_s;
    QTest::newRow("truncate cascade") << u"TRUNCATE audit_log CASCADE"_s << u"TRUNCATE"_s;
}

void TstAudit::rowsCannotBeChanged()
{
    QFETCH(QString, sql);
    QFETCH(QString, operation);

    const QString before = snapshot();
    QVERIFY(before.count(u'\n') >= 31);

    const auto changed = db::runStatement(m_db->connection(), u"tamper with the audit log", sql);
    QVERIFY2(!changed, qPrintable(sql));
    QVERIFY2(changed.error().message.contains(
                 u"audit_log is append-only: %1 is not allowed"_s.arg(operation)),
             qPrintable(changed.error().message));
    QCOMPARE(changed.error().detail, QString(db::sqlstate::InsufficientPrivilege));
    QCOMPARE(snapshot(), before);

    // Appending still works after the refusal.
    PFA_VERIFY_OK(db::AuditRepository(m_db->connection())
                      .append({.actor = u"test"_s,
                               .action = u"audit.checked"_s,
                               .entity = u"audit_log"_s,
                               .entityId = u"all"_s}));
}

void TstAudit::entriesRoundTrip()
{
    const qint64 acme = m_organizations[u"ACME"_s];
    const model::AuditEntry written{
        .actor = u"ana@acme.example"_s,
        .action = u"conflict.resolved"_s,
        .organizationId = acme,
        .entity = u"pfa_sync_conflict"_s,
        .entityId = u"77"_s,
        .before = {{"status", "unresolved"}},
        .after = {{"status", "resolved_manual"}, {"fields", {"forecastEnd"}}},
        .details = {{"strategy", "merge"}, {"note", "checked with site"}}};
    const QDateTime before = QDateTime::currentDateTimeUtc().addSecs(-5);
    const auto id = db::AuditRepository(m_db->connection()).append(written);
    PFA_VERIFY_OK(id);

    const auto listed =
        db::AuditRepository(m_db->connection()).list({.entity = u"pfa_sync_conflict"_s});
    PFA_VERIFY_OK(listed);
    QCOMPARE(listed->size(), size_t(1));
    model::AuditEntry read = listed->front();
    QCOMPARE(read.id, *id);
    QVERIFY(read.at >= before && read.at <= QDateTime::currentDateTimeUtc().addSecs(5));
    read.id = 0;
    read.at = {};
    QCOMPARE(QString::fromStdString(model::toJson(read).dump()),
             QString::fromStdString(model::toJson(written).dump()));
    QVERIFY(read == written);
}

void TstAudit::listFilters_data()
{
    QTest::addColumn<QString>("organization"); // code; empty: any
    QTest::addColumn<QString>("entity");
    QTest::addColumn<QString>("entityId");
    QTest::addColumn<QString>("action");

    QTest::newRow("no filter") << QString() << QString() << QString() << QString();
    QTest::newRow("organization ACME") << u"ACME"_s << QString() << QString() << QString();
    QTest::newRow("organization BHP") << u"BHP"_s << QString() << QString() << QString();
    QTest::newRow("entity") << QString() << u"sync_job"_s << QString() << QString();
    QTest::newRow("one modification")
        << QString() << u"pfa_modification"_s << u"101"_s << QString();
    QTest::newRow("action") << QString() << QString() << QString() << u"modification.synced"_s;
    QTest::newRow("organization and action")
        << u"BHP"_s << QString() << QString() << u"modification.queued"_s;
    QTest::newRow("everything at once")
        << u"ACME"_s << u"pfa_modification"_s << u"102"_s << u"modification.failed"_s;
    QTest::newRow("empty strings mean no filter") << QString() << u""_s << u""_s << u""_s;
    QTest::newRow("no match") << QString() << QString() << QString() << u"no.such.action"_s;
}

void TstAudit::listFilters()
{
    QFETCH(QString, organization);
    QFETCH(QString, entity);
    QFETCH(QString, entityId);
    QFETCH(QString, action);

    db::AuditFilter filter;
    if (!organization.isEmpty())
        filter.organizationId = m_organizations.at(organization);
    filter.entity = entity;
    filter.entityId = entityId;
    filter.action = action;
    filter.limit = 1000;

    QList<qint64> expected;
    for (const Row& row : rows()) {
        if ((!filter.organizationId || row.organizationId == filter.organizationId) &&
            (entity.isEmpty() || row.entity == entity) &&
            (entityId.isEmpty() || row.entityId == entityId) &&
            (action.isEmpty() || row.action == action))
            expected << row.id;
    }
    if (qstrcmp(QTest::currentDataTag(), "no match") != 0)
        QVERIFY(!expected.isEmpty());

    const auto listed = db::AuditRepository(m_db->connection()).list(filter);
    PFA_VERIFY_OK(listed);
    QCOMPARE(idsOf(*listed), expected);
    for (const model::AuditEntry& entry : *listed) {
        if (!action.isEmpty())
            QCOMPARE(entry.action, action);
        if (filter.organizationId)
            QCOMPARE(entry.organizationId, filter.organizationId);
    }
}

void TstAudit::keysetPagingVisitsEveryRowOnce()
{
    const db::AuditRepository audit(m_db->connection());
    for (const auto& [organization, pageSize] :
         {std::pair{std::optional<qint64>(), 1}, std::pair{std::optional<qint64>(), 7},
          std::pair{std::optional(m_organizations[u"ACME"_s]), 4},
          std::pair{std::optional<qint64>(), 1000}}) {
        QList<qint64> expected;
        for (const Row& row : rows()) {
            if (!organization || row.organizationId == organization)
                expected << row.id;
        }

        QList<qint64> visited;
        std::optional<qint64> beforeId;
        bool appended = false;
        for (int page = 0; page < 100; ++page) {
            const auto entries = audit.list(
                {.organizationId = organization, .beforeId = beforeId, .limit = pageSize});
            PFA_VERIFY_OK(entries);
            QVERIFY(int(entries->size()) <= pageSize);
            if (entries->empty())
                break;
            visited += idsOf(*entries);
            beforeId = entries->back().id;
            // New rows arriving while someone pages do not shift the pages they are reading.
            if (!appended) {
                appended = true;
                PFA_VERIFY_OK(audit.append({.actor = u"worker-1"_s,
                                            .action = u"modification.queued"_s,
                                            .organizationId = organization,
                                            .entity = u"pfa_modification"_s,
                                            .entityId = u"999"_s}));
            }
        }
        QCOMPARE(visited, expected);
    }

    // The page size is bounded both ways.
    const auto one = audit.list({.limit = 0});
    PFA_VERIFY_OK(one);
    QCOMPARE(one->size(), size_t(1));
}

} // namespace pfa::test

QTEST_GUILESS_MAIN(pfa::test::TstAudit)
#include "tst_audit.moc"
