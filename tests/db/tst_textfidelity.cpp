#include "db/AuditRepository.h"
#include "db/MirrorRepository.h"
#include "db/ModificationRepository.h"
#include "db/OrganizationRepository.h"
#include "db/QueueRepository.h"
#include "db/UserRepository.h"
#include "support/TestDatabase.h"
#include "support/Verify.h"

#include <QCryptographicHash>
#include <QTest>

using namespace Qt::StringLiterals;
using pfa::model::FieldMap;
using pfa::model::PfaField;

namespace pfa::test {

namespace {

QString md5(const QString& text)
{
    return QString::fromLatin1(
        QCryptographicHash::hash(text.toUtf8(), QCryptographicHash::Md5).toHex());
}

// The record with every free-text field set to `text` (enums, money, dates stay valid).
FieldMap everyTextField(FieldMap data, const QString& text)
{
    for (const model::FieldSpec& spec : model::allFieldSpecs()) {
        if (spec.kind == model::FieldKind::Text)
            data[spec.field] = text;
    }
    return data;
}

} // namespace

// Whatever people or PEMS type is data: it is bound, never spliced into SQL, and comes back
// byte for byte — through the repositories and as PostgreSQL itself stores it.
class TstTextFidelity final : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void init();
    void cleanup();

    void textIsStoredAndReadBackVerbatim_data();
    void textIsStoredAndReadBackVerbatim();

private:
    // md5 of what PostgreSQL holds, computed by PostgreSQL.
    QString storedMd5(const QString& sql, std::initializer_list<db::SqlParam> params);

    std::unique_ptr<TestDatabase> m_db;
};

void TstTextFidelity::init()
{
    auto created = TestDatabase::create();
    PFA_VERIFY_OK(created);
    m_db = std::move(*created);
}

void TstTextFidelity::cleanup()
{
    m_db.reset();
}

QString TstTextFidelity::storedMd5(const QString& sql, std::initializer_list<db::SqlParam> params)
{
    const auto value = m_db->value(sql, params);
    return value ? value->toString() : value.error().toString();
}

void TstTextFidelity::textIsStoredAndReadBackVerbatim_data()
{
    QTest::addColumn<QString>("text");

    QTest::newRow("quote and comment") << u"'; DROP TABLE pfa_mirror; --"_s;
    QTest::newRow("Bobby Tables") << u"Robert'); DELETE FROM audit_log;--"_s;
    QTest::newRow("script tag") << u"<script>alert(1)</script>"_s;
    QTest::newRow("img onerror") << u"<img src=x onerror=alert(1)>"_s;
    QTest::newRow("bold") << u"<b>bold</b>"_s;
    QTest::newRow("placeholders and unicode")
        << u"$1 :name ? \\x00-free unicode ✓ 日本語 emoji 🚧"_s;
    QTest::newRow("backslashes and quotes")
        << u"C:\\new\\table \\\\server\\share \\' \\\" \"double\" 'single' `back`"_s;
    QTest::newRow("dollar quoting") << u"$$; DROP TABLE audit_log; $$ $tag$x$tag$"_s;
    QTest::newRow("escape-string syntax") << u"E'\\x41' \\'; DROP TABLE organization; --"_s;
    QTest::newRow("named parameters") << u":org :org2 :limit ::text @p1 %s {0}"_s;
    QTest::newRow("JSON breaker") << u"\"}, \"x\": \"\\u0000 ]"_s;
    QTest::newRow("lines and tabs") << u"first line\n\tsecond line"_s;
    QTest::newRow("LIKE wildcards") << u"100% _of_ %_% \\%"_s;
}

void TstTextFidelity::textIsStoredAndReadBackVerbatim()
{
    QFETCH(QString, text);
    const QSqlDatabase db = m_db->connection();
    const QString hash = md5(text);

    // Organization name and user display name (the actor is the text too).
    const auto organization = db::OrganizationRepository(db).create(u"ACME"_s, text, text);
    PFA_VERIFY_OK(organization);
    QCOMPARE(db::OrganizationRepository(db).findById(organization->id)->name, text);
    QCOMPARE(storedMd5(u"SELECT md5(name) FROM organization WHERE id = :id"_s,
                       {{"id"_L1, organization->id}}),
             hash);
    const auto user = db::UserRepository(db).create({u"pat@acme.example"_s, text, false}, text);
    PFA_VERIFY_OK(user);
    QCOMPARE(db::UserRepository(db).findById(user->id)->displayName, text);
    QCOMPARE(storedMd5(u"SELECT md5(display_name) FROM app_user WHERE id = :id"_s,
                       {{"id"_L1, user->id}}),
             hash);

    // Every text field of a record, its key included, through the mirror and its history.
    const FieldMap data = everyTextField(TestDatabase::sampleRecord(u"ACME"_s, 10002), text);
    const db::MirrorRepository mirror(db);
    const auto stored = mirror.store({.organizationId = organization->id,
                                      .pfaId = text,
                                      .version = 1,
                                      .data = data,
                                      .actor = text});
    PFA_VERIFY_OK(stored);
    const auto found = mirror.find(organization->id, text);
    PFA_VERIFY_OK(found);
    QVERIFY(found->has_value());
    QCOMPARE((*found)->pfaId, text);
    QVERIFY((*found)->data == data);
    for (const model::FieldSpec& spec : model::allFieldSpecs()) {
        if (spec.kind != model::FieldKind::Text)
            continue;
        QCOMPARE(model::fieldValueToDisplayString(model::valueOf((*found)->data, spec.field)),
                 text);
        QCOMPARE(storedMd5(u"SELECT md5(data ->> :field) FROM pfa_mirror WHERE id = :id"_s,
                           {{"field"_L1, model::wireName(spec.field)}, {"id"_L1, stored->id}}),
                 hash);
    }
    const auto history = mirror.history(stored->id);
    PFA_VERIFY_OK(history);
    QCOMPARE(history->size(), size_t(1));
    QVERIFY(history->front().data == data);
    QCOMPARE(history->front().actor, text);

    // A draft of that record: key and change reason in pfa_modification.
    const db::ModificationRepository modifications(db);
    const auto draft = modifications.saveDraft({.organizationId = organization->id,
                                                .pfaId = text,
                                                .userId = user->id,
                                                .delta = {{PfaField::Description, text}},
                                                .changeReason = text},
                                               text);
    PFA_VERIFY_OK(draft);
    const auto drafts = modifications.forRecord(organization->id, text);
    PFA_VERIFY_OK(drafts);
    QCOMPARE(drafts->size(), size_t(1));
    QCOMPARE(drafts->front().changeReason, text);
    QCOMPARE(drafts->front().pfaId, text);

    // A committed change of a valid record: the text reaches the PEMS payload unchanged.
    const FieldMap valid = TestDatabase::sampleRecord(u"ACME"_s, 10001);
    PFA_VERIFY_OK(mirror.store({.organizationId = organization->id,
                                .pfaId = u"PFA-10001"_s,
                                .version = 1,
                                .data = valid,
                                .actor = u"pems"_s}));
    const auto change = modifications.saveDraft(
        {.organizationId = organization->id,
         .pfaId = u"PFA-10001"_s,
         .userId = user->id,
         .delta = {{PfaField::Manufacturer, text}, {PfaField::Description, text}},
         .changeReason = text},
        text);
    PFA_VERIFY_OK(change);
    const auto committed = modifications.commit(change->id, text);
    PFA_VERIFY_OK(committed);
    const auto queued = db::QueueRepository(db).find(committed->queueItem.id);
    PFA_VERIFY_OK(queued);
    const nlohmann::json& payload = queued->payload;
    QCOMPARE(QString::fromStdString(payload.value("changeReason", std::string())), text);
    QCOMPARE(QString::fromStdString(payload["changes"].value("description", std::string())), text);
    QCOMPARE(QString::fromStdString(payload["changes"].value("manufacturer", std::string())), text);
    QCOMPARE(storedMd5(u"SELECT md5(change_reason) FROM pfa_modification WHERE id = :id"_s,
                       {{"id"_L1, change->id}}),
             hash);
    QCOMPARE(storedMd5(u"SELECT md5(payload #>> '{changes,description}') FROM pfa_write_queue"
                       " WHERE id = :id"_s,
                       {{"id"_L1, committed->queueItem.id}}),
             hash);

    // Audit entries: actor, entity id and JSON details, and the filter that finds them.
    const db::AuditRepository audit(db);
    PFA_VERIFY_OK(audit.append({.actor = text,
                                .action = u"note.added"_s,
                                .organizationId = organization->id,
                                .entity = u"pfa_record"_s,
                                .entityId = text,
                                .before = {{"name", text.toStdString()}},
                                .after = {{"name", text.toStdString()}},
                                .details = {{"note", text.toStdString()}}}));
    const auto notes = audit.list({.entityId = text});
    PFA_VERIFY_OK(notes);
    QCOMPARE(notes->size(), size_t(1));
    QCOMPARE(notes->front().actor, text);
    QCOMPARE(notes->front().entityId, text);
    QCOMPARE(QString::fromStdString(notes->front().details.value("note", std::string())), text);
    const auto byActor = audit.list({.action = u"modification.queued"_s});
    PFA_VERIFY_OK(byActor);
    QCOMPARE(byActor->size(), size_t(1));
    QCOMPARE(byActor->front().actor, text);

    // Nothing was executed: every table is there, holding exactly what was written.
    const std::vector<std::pair<QString, qint64>> expectedRows{
        {u"organization"_s, 1},       {u"app_user"_s, 1},          {u"pfa_mirror"_s, 2},
        {u"pfa_mirror_history"_s, 2}, {u"pfa_modification"_s, 2},  {u"pfa_write_queue"_s, 1},
        {u"audit_log"_s, 7},          {u"user_organization"_s, 0}, {u"sync_job"_s, 0},
        {u"pfa_sync_conflict"_s, 0},  {u"pfa_sync_attempt"_s, 0},
    };
    for (const auto& [table, rows] : expectedRows) {
        const auto exists =
            m_db->value(u"SELECT to_regclass(:table) IS NOT NULL"_s, {{"table"_L1, table}});
        PFA_VERIFY_OK(exists);
        QVERIFY2(exists->toBool(), qPrintable(table));
        // The table name is one of the fixed names above, never input.
        QCOMPARE(m_db->count(u"SELECT count(*) FROM "_s + table).value_or(-1), rows);
    }
}

} // namespace pfa::test

QTEST_GUILESS_MAIN(pfa::test::TstTextFidelity)
#include "tst_textfidelity.moc"
