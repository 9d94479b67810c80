#include "model/AuditEntry.h"
#include "model/Conflict.h"
#include "model/FieldDiff.h"
#include "model/MirrorHistoryEntry.h"
#include "model/MirrorRecord.h"
#include "model/Modification.h"
#include "model/Organization.h"
#include "model/OrganizationPermission.h"
#include "model/QueueItem.h"
#include "model/SyncAttempt.h"
#include "model/SyncEvent.h"
#include "model/SyncJob.h"
#include "model/User.h"

#include <QTest>

#include <functional>
#include <map>
#include <set>

using namespace Qt::StringLiterals;
using namespace pfa::model;

namespace {

const QString Script = u"<script>alert(1)</script>"_s;
const QString Sql = u"'; DROP TABLE pfa_mirror; --"_s;

QDateTime at(int day, int hour = 8, int ms = 0)
{
    return QDateTime(QDate(2026, 3, day), QTime(hour, 15, 30, ms), Qt::UTC);
}

const FieldMap Data{
    {PfaField::PfaId, u"PFA-12345"_s},
    {PfaField::OrganizationCode, u"RIO"_s},
    {PfaField::Source, u"Rental"_s},
    {PfaField::MonthlyRate, Money::fromUnits(12345600)},
    {PfaField::ForecastStart, QDateTime(QDate(2026, 2, 1), QTime(0, 0), Qt::UTC)},
    {PfaField::IsActualized, true},
    {PfaField::Description, Script},
    {PfaField::Model, Sql},
    {PfaField::EquipmentId, FieldValue{}},
};

const FieldMap Delta{{PfaField::MonthlyRate, Money::fromUnits(15000000)},
                     {PfaField::Description, FieldValue{}}};

// One sample per type with every optional member set, and one with none set.
Organization organization()
{
    return {.id = 7, .code = u"RIO"_s, .name = u"Rio <Pilbara> & Sons"_s};
}
User user()
{
    return {.id = 3,
            .email = u"ana@example.com"_s,
            .displayName = u"Ana Lúcia 👷"_s,
            .dbRole = u"pfa_user_3"_s,
            .isAdmin = true,
            .active = false};
}
OrganizationPermission permission()
{
    return {.organizationId = 7, .permSync = true, .permResolve = false};
}
MirrorRecord mirror(bool full)
{
    MirrorRecord m;
    m.id = 11;
    m.organizationId = 7;
    m.pfaId = u"PFA-12345"_s;
    m.version = 42;
    m.data = Data;
    m.pulledAt = at(2, 9, 999);
    if (full)
        m.pemsUpdatedAt = at(1);
    return m;
}
MirrorHistoryEntry history()
{
    return {.mirrorId = 11,
            .version = 42,
            .data = Data,
            .changedFields = {PfaField::MonthlyRate, PfaField::Description},
            .source = HistorySource::Rollback,
            .actor = Sql,
            .recordedAt = at(3)};
}
Modification modification(bool full)
{
    Modification m;
    m.id = 100;
    m.organizationId = 7;
    m.pfaId = u"PFA-12345"_s;
    m.userId = 3;
    m.operation = Operation::Delete;
    m.baseVersion = 41;
    m.delta = Delta;
    m.changeReason = Script;
    m.status = SyncStatus::Conflict;
    m.syncError = u"409 from PEMS"_s;
    m.createdAt = at(1);
    m.updatedAt = at(2);
    if (full) {
        m.syncedAt = at(3);
        m.pemsVersion = 43;
        m.jobId = 5;
        m.rollbackOfVersion = 40;
    }
    return m;
}
QueueItem queueItem(bool full)
{
    QueueItem q;
    q.id = 200;
    q.modificationId = 100;
    q.organizationId = 7;
    q.pfaId = u"PFA-12345"_s;
    q.operation = Operation::Update;
    q.payload = {
        {"version", 41}, {"fields", {{"monthlyRate", "1500.00"}}}, {"note", Sql.toStdString()}};
    q.status = QueueStatus::Processing;
    q.priority = 10;
    q.retryCount = 2;
    q.maxRetries = 3;
    q.scheduledAt = at(1);
    q.createdAt = at(1, 7);
    q.idempotencyKey = u"3f2b8c1e-8a4d-4a6b-9a77-0c1d2e3f4a5b"_s;
    if (full) {
        q.lastAttemptAt = at(2);
        q.lastError = u"HTTP 503"_s;
        q.failureClass = FailureClass::RateLimit;
        q.completedAt = at(3);
        q.jobId = 5;
        q.lockedBy = u"host-a:1234"_s;
        q.lockedUntil = at(2, 9);
    }
    return q;
}
SyncAttempt attempt(bool full)
{
    SyncAttempt a;
    a.queueId = 200;
    a.attempt = 2;
    a.startedAt = at(2);
    a.outcome = u"retry"_s;
    if (full) {
        a.finishedAt = at(2, 8, 500);
        a.httpStatus = 503;
        a.error = u"Service Unavailable"_s;
        a.durationMs = 1234;
    }
    return a;
}
Conflict conflict(bool full)
{
    Conflict c;
    c.id = 300;
    c.organizationId = 7;
    c.pfaId = u"PFA-12345"_s;
    c.modificationId = 100;
    c.localVersion = 41;
    c.pemsVersion = 43;
    c.baseData = Data;
    c.localData = applyDelta(Data, Delta);
    c.pemsData = {{PfaField::MonthlyRate, Money::fromUnits(16000000)}};
    c.conflictFields = {PfaField::MonthlyRate};
    c.status = full ? ConflictStatus::ResolvedManual : ConflictStatus::Unresolved;
    c.createdAt = at(2);
    if (full) {
        c.resolution = Resolution::Merge;
        c.mergedData = FieldMap{{PfaField::MonthlyRate, Money::fromUnits(15500000)}};
        c.resolvedBy = 3;
        c.resolvedAt = at(4);
    }
    return c;
}
SyncJob job(bool full)
{
    SyncJob j;
    j.id = 5;
    j.organizationId = 7;
    j.trigger = JobTrigger::Resolution;
    j.createdAt = at(1);
    if (full) {
        j.requestedBy = 3;
        j.finishedAt = at(1, 9);
    }
    return j;
}
AuditEntry audit(bool full)
{
    AuditEntry a;
    a.id = 900;
    a.at = at(5);
    a.actor = Script;
    a.action = u"conflict.resolve"_s;
    a.entity = u"pfa_sync_conflict"_s;
    a.entityId = u"300"_s;
    if (full) {
        a.organizationId = 7;
        a.before = {{"status", "unresolved"}, {"note", Sql.toStdString()}};
        a.after = {{"status", "resolved_manual"}};
        a.details = nlohmann::json::array({1, "two", nullptr, {{"three", 3.5}}});
    }
    return a;
}
SyncEvent syncEvent(bool full)
{
    SyncEvent e;
    e.type = EventType::SyncConflict;
    e.organizationId = 7;
    e.pfaId = u"PFA-12345"_s;
    e.status = u"conflict"_s;
    e.at = at(2, 10, 1);
    if (full) {
        e.modificationId = 100;
        e.queueId = 200;
        e.conflictId = 300;
        e.jobId = 5;
    }
    return e;
}

QByteArray dump(const nlohmann::json& json)
{
    return QByteArray::fromStdString(json.dump());
}

// Serialises to text and back, as the database and NOTIFY do.
template<typename T, typename FromJson>
void checkRoundTrip(const T& value, FromJson fromJson)
{
    const QByteArray text = dump(toJson(value));
    const auto parsed = parseJson(text);
    QVERIFY2(parsed.has_value(), text.constData());
    const auto back = fromJson(*parsed);
    QVERIFY2(back.has_value(), qPrintable(back ? QString() : back.error().toString()));
    QCOMPARE(dump(toJson(*back)), text);
    QVERIFY(*back == value);
}

// Reads json as the named type; returns the error, or nothing when it was accepted.
using Reader = std::function<std::optional<pfa::Error>(const nlohmann::json&)>;

template<typename T>
Reader readerFor(pfa::Expected<T> (*fromJson)(const nlohmann::json&))
{
    return [fromJson](const nlohmann::json& json) -> std::optional<pfa::Error> {
        auto result = fromJson(json);
        if (result)
            return std::nullopt;
        return result.error();
    };
}

struct TypeEntry
{
    nlohmann::json sample;
    Reader read;
};

std::map<QString, TypeEntry> types()
{
    return {
        {u"Organization"_s, {toJson(organization()), readerFor(&organizationFromJson)}},
        {u"User"_s, {toJson(user()), readerFor(&userFromJson)}},
        {u"OrganizationPermission"_s,
         {toJson(permission()), readerFor(&organizationPermissionFromJson)}},
        {u"MirrorRecord"_s, {toJson(mirror(true)), readerFor(&mirrorRecordFromJson)}},
        {u"MirrorHistoryEntry"_s, {toJson(history()), readerFor(&mirrorHistoryEntryFromJson)}},
        {u"Modification"_s, {toJson(modification(true)), readerFor(&modificationFromJson)}},
        {u"QueueItem"_s, {toJson(queueItem(true)), readerFor(&queueItemFromJson)}},
        {u"SyncAttempt"_s, {toJson(attempt(true)), readerFor(&syncAttemptFromJson)}},
        {u"Conflict"_s, {toJson(conflict(true)), readerFor(&conflictFromJson)}},
        {u"SyncJob"_s, {toJson(job(true)), readerFor(&syncJobFromJson)}},
        {u"AuditEntry"_s, {toJson(audit(true)), readerFor(&auditEntryFromJson)}},
        {u"SyncEvent"_s, {toJson(syncEvent(true)), readerFor(&syncEventFromJson)}},
    };
}

} // namespace

class TestValueTypes final : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void roundTrip();
    void optionalMembersMayBeAbsent();
    void syncEventKeys();
    void timestampsAreUtcIso();
    void injectionTextVerbatim();
    void rejects_data();
    void rejects();
};

void TestValueTypes::roundTrip()
{
    checkRoundTrip(organization(), organizationFromJson);
    checkRoundTrip(user(), userFromJson);
    checkRoundTrip(permission(), organizationPermissionFromJson);
    checkRoundTrip(history(), mirrorHistoryEntryFromJson);
    for (bool full : {true, false}) {
        checkRoundTrip(mirror(full), mirrorRecordFromJson);
        checkRoundTrip(modification(full), modificationFromJson);
        checkRoundTrip(queueItem(full), queueItemFromJson);
        checkRoundTrip(attempt(full), syncAttemptFromJson);
        checkRoundTrip(conflict(full), conflictFromJson);
        checkRoundTrip(job(full), syncJobFromJson);
        checkRoundTrip(audit(full), auditEntryFromJson);
        checkRoundTrip(syncEvent(full), syncEventFromJson);
    }
}

void TestValueTypes::optionalMembersMayBeAbsent()
{
    // A producer may leave out optional members instead of writing null.
    nlohmann::json json = toJson(syncEvent(true));
    for (const char* key : {"modificationId", "queueId", "conflictId", "jobId"})
        json.erase(key);
    const auto e = syncEventFromJson(json);
    QVERIFY2(e.has_value(), qPrintable(e ? QString() : e.error().toString()));
    QVERIFY(*e == syncEvent(false));

    nlohmann::json auditJson = toJson(audit(false));
    auditJson.erase("details");
    const auto a = auditEntryFromJson(auditJson);
    QVERIFY(a.has_value());
    QVERIFY(a->details.is_null());
}

void TestValueTypes::syncEventKeys()
{
    const nlohmann::json json = toJson(syncEvent(false));
    std::set<std::string> keys;
    for (const auto& item : json.items())
        keys.insert(item.key());
    QCOMPARE(keys, (std::set<std::string>{"type", "organizationId", "pfaId", "modificationId",
                                          "queueId", "conflictId", "jobId", "status", "at"}));
    QVERIFY(json.at("queueId").is_null());
    QCOMPARE(dump(json.at("type")), dump(nlohmann::json("SYNC_CONFLICT")));
    QCOMPARE(dump(json.at("at")), dump(nlohmann::json("2026-03-02T10:15:30.001Z")));
    QCOMPARE(dump(toJson(syncEvent(true)).at("conflictId")), dump(nlohmann::json(300)));
}

void TestValueTypes::timestampsAreUtcIso()
{
    const nlohmann::json json = toJson(modification(true));
    QCOMPARE(dump(json.at("createdAt")), dump(nlohmann::json("2026-03-01T08:15:30.000Z")));
    QCOMPARE(dump(json.at("status")), dump(nlohmann::json("conflict")));
    QCOMPARE(dump(json.at("operation")), dump(nlohmann::json("DELETE")));
    QCOMPARE(dump(json.at("delta").at("monthlyRate")), dump(nlohmann::json("1500.00")));

    // An offset on input is converted; the value is the same instant.
    nlohmann::json shifted = json;
    shifted["createdAt"] = "2026-03-01T09:15:30+01:00";
    const auto m = modificationFromJson(shifted);
    QVERIFY(m.has_value());
    QCOMPARE(m->createdAt, at(1));
}

void TestValueTypes::injectionTextVerbatim()
{
    const QByteArray text = dump(toJson(audit(true)));
    QVERIFY(text.contains(Script.toUtf8()));
    QVERIFY(text.contains(Sql.toUtf8()));
    const auto back = auditEntryFromJson(*parseJson(text));
    QVERIFY(back.has_value());
    QCOMPARE(back->actor, Script);
    QCOMPARE(back->before.at("note").get<std::string>(), Sql.toStdString());
}

void TestValueTypes::rejects_data()
{
    QTest::addColumn<QString>("type");
    QTest::addColumn<QByteArray>("json");
    QTest::addColumn<QString>("field");
    QTest::addColumn<QString>("fragment");

    const auto all = types();
    auto row = [&](const QString& type, const char* name, const nlohmann::json& json,
                   const QString& field, const QString& fragment) {
        QTest::addRow("%s %s", qPrintable(type), name) << type << dump(json) << field << fragment;
    };
    auto changed = [&](const QString& type, const char* key, const nlohmann::json& value) {
        nlohmann::json json = all.at(type).sample;
        json[key] = value;
        return json;
    };

    for (const auto& [type, entry] : all) {
        nlohmann::json withUnknown = entry.sample;
        withUnknown["bogus"] = 1;
        row(type, "unknown key", withUnknown, u"bogus"_s, u"unknown key \"bogus\""_s);
        row(type, "array", nlohmann::json::array({entry.sample}), QString(),
            u"expected a JSON object for "_s + type);
        row(type, "sample accepted", entry.sample, QString(), QString());
    }

    const QString badEnum = u"unknown value"_s;
    row(u"MirrorHistoryEntry"_s, "bad source", changed(u"MirrorHistoryEntry"_s, "source", "push"),
        u"source"_s, u"unknown value \"push\"; expected one of: pull, write, rollback"_s);
    row(u"Modification"_s, "lower-case operation",
        changed(u"Modification"_s, "operation", "update"), u"operation"_s, badEnum);
    row(u"Modification"_s, "bad status", changed(u"Modification"_s, "status", "done"), u"status"_s,
        badEnum);
    row(u"Modification"_s, "status number", changed(u"Modification"_s, "status", 3), u"status"_s,
        u"expected a string"_s);
    row(u"QueueItem"_s, "bad status", changed(u"QueueItem"_s, "status", "waiting"), u"status"_s,
        badEnum);
    row(u"QueueItem"_s, "bad failureClass", changed(u"QueueItem"_s, "failureClass", "timeout"),
        u"failureClass"_s, badEnum);
    row(u"Conflict"_s, "bad status", changed(u"Conflict"_s, "status", "open"), u"status"_s,
        badEnum);
    row(u"Conflict"_s, "bad resolution", changed(u"Conflict"_s, "resolution", "mine"),
        u"resolution"_s, badEnum);
    row(u"SyncJob"_s, "bad trigger", changed(u"SyncJob"_s, "trigger", "cron"), u"trigger"_s,
        badEnum);
    row(u"SyncEvent"_s, "bad type", changed(u"SyncEvent"_s, "type", "SYNC_DONE"), u"type"_s,
        badEnum);

    row(u"Organization"_s, "id as string", changed(u"Organization"_s, "id", "7"), u"id"_s,
        u"expected an integer, got string"_s);
    row(u"Organization"_s, "id as float", changed(u"Organization"_s, "id", 7.5), u"id"_s,
        u"expected an integer, got number"_s);
    row(u"Organization"_s, "id beyond int64",
        changed(u"Organization"_s, "id", std::numeric_limits<quint64>::max()), u"id"_s,
        u"out of range"_s);
    row(u"Organization"_s, "name null", changed(u"Organization"_s, "name", nullptr), u"name"_s,
        u"expected a string, got null"_s);
    row(u"User"_s, "isAdmin as string", changed(u"User"_s, "isAdmin", "true"), u"isAdmin"_s,
        u"expected true or false"_s);
    row(u"QueueItem"_s, "priority beyond int", changed(u"QueueItem"_s, "priority", 3000000000LL),
        u"priority"_s, u"out of range"_s);
    row(u"MirrorRecord"_s, "pulledAt number", changed(u"MirrorRecord"_s, "pulledAt", 1),
        u"pulledAt"_s, u"ISO-8601"_s);
    row(u"MirrorRecord"_s, "pulledAt without zone",
        changed(u"MirrorRecord"_s, "pulledAt", "2026-03-01T10:00:00"), u"pulledAt"_s,
        u"no time zone"_s);
    row(u"MirrorRecord"_s, "pemsUpdatedAt impossible",
        changed(u"MirrorRecord"_s, "pemsUpdatedAt", "2026-02-30T10:00:00Z"), u"pemsUpdatedAt"_s,
        u"not a real calendar date"_s);
    row(u"MirrorRecord"_s, "data not object", changed(u"MirrorRecord"_s, "data", "x"), u"data"_s,
        u"expected a JSON object of PFA fields"_s);
    row(u"Modification"_s, "delta wrong type",
        changed(u"Modification"_s, "delta", {{"monthlyRate", true}}), u"delta.monthlyRate"_s,
        u"expected money"_s);
    row(u"Modification"_s, "delta unknown field",
        changed(u"Modification"_s, "delta", {{"colour", "red"}}), u"delta.colour"_s,
        u"unknown field"_s);
    row(u"Conflict"_s, "mergedData bad date",
        changed(u"Conflict"_s, "mergedData", {{"forecastEnd", "2026-02-30"}}),
        u"mergedData.forecastEnd"_s, u"not a real calendar date"_s);
    row(u"MirrorHistoryEntry"_s, "changedFields unknown",
        changed(u"MirrorHistoryEntry"_s, "changedFields", {"monthlyRate", "colour"}),
        u"changedFields"_s, u"unknown field \"colour\""_s);
    row(u"Conflict"_s, "conflictFields not array",
        changed(u"Conflict"_s, "conflictFields", "monthlyRate"), u"conflictFields"_s,
        u"expected an array"_s);
    row(u"SyncEvent"_s, "modificationId as string",
        changed(u"SyncEvent"_s, "modificationId", "100"), u"modificationId"_s,
        u"expected an integer"_s);
    row(u"SyncAttempt"_s, "httpStatus as float", changed(u"SyncAttempt"_s, "httpStatus", 503.0),
        u"httpStatus"_s, u"expected an integer"_s);

    nlohmann::json missing = all.at(u"Modification"_s).sample;
    missing.erase("pfaId");
    row(u"Modification"_s, "missing pfaId", missing, u"pfaId"_s, u"required key is missing"_s);
    nlohmann::json missingTime = all.at(u"SyncEvent"_s).sample;
    missingTime.erase("at");
    row(u"SyncEvent"_s, "missing at", missingTime, u"at"_s, u"required key is missing"_s);
}

void TestValueTypes::rejects()
{
    QFETCH(QString, type);
    QFETCH(QByteArray, json);
    QFETCH(QString, field);
    QFETCH(QString, fragment);

    const auto parsed = parseJson(json);
    QVERIFY(parsed.has_value());
    const auto error = types().at(type).read(*parsed);
    if (fragment.isEmpty()) {
        QVERIFY2(!error.has_value(), qPrintable(error ? error->toString() : QString()));
        return;
    }
    QVERIFY(error.has_value());
    QCOMPARE(error->code, pfa::ErrorCode::InvalidInput);
    QCOMPARE(error->field, field);
    QVERIFY2(error->message.contains(fragment), qPrintable(error->message));
}

QTEST_APPLESS_MAIN(TestValueTypes)
#include "tst_valuetypes.moc"
