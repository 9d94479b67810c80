#include "PemsReplies.h"

#include "SimClock.h"

#include "model/PfaField.h"

#include <cmath>

using namespace Qt::StringLiterals;

namespace pfa::sim {

namespace {

std::string utf8(const QString& text)
{
    return text.toStdString();
}

const char* sourceName(ChangeSource source)
{
    switch (source) {
    case ChangeSource::Seed:
        return "seed";
    case ChangeSource::Api:
        return "api";
    case ChangeSource::Admin:
        return "admin";
    }
    return "api";
}

nlohmann::json allFields(const model::FieldMap& data)
{
    // Every catalog field, null when unset, so a client sees the whole record.
    nlohmann::json out = nlohmann::json::object();
    for (const model::FieldSpec& spec : model::allFieldSpecs())
        out[std::string(spec.wireName)] = model::fieldValueToJson(model::valueOf(data, spec.field));
    return out;
}

// A JSON string literal of UTF-8 text: quotes, backslashes and control characters escaped.
void appendJsonString(QByteArray& out, QByteArrayView utf8)
{
    static constexpr char Hex[] = "0123456789abcdef";
    out.append('"');
    qsizetype plainFrom = 0;
    for (qsizetype i = 0; i < utf8.size(); ++i) {
        const auto c = static_cast<unsigned char>(utf8[i]);
        if (c != '"' && c != '\\' && c >= 0x20)
            continue;
        out.append(utf8.sliced(plainFrom, i - plainFrom));
        if (c == '"' || c == '\\')
            out.append('\\').append(static_cast<char>(c));
        else
            out.append("\\u00").append(Hex[c >> 4]).append(Hex[c & 0xf]);
        plainFrom = i + 1;
    }
    out.append(utf8.sliced(plainFrom)).append('"');
}

} // namespace

SimResponse PemsReplies::json(int status, const nlohmann::json& body)
{
    return {status, QByteArray::fromStdString(body.dump()), {}};
}

SimResponse PemsReplies::error(int status, const char* code, const QString& message)
{
    return json(status, {{"success", false}, {"error", code}, {"message", utf8(message)}});
}

SimResponse PemsReplies::validation(const std::vector<FieldProblem>& problems)
{
    nlohmann::json fields = nlohmann::json::array();
    for (const FieldProblem& problem : problems) {
        fields.push_back({{"field", utf8(problem.field)},
                          {"rule", utf8(problem.rule)},
                          {"message", utf8(problem.message)}});
    }
    QString message = problems.empty() ? u"the request is not valid"_s : problems.front().message;
    if (problems.size() > 1)
        message += u" (and %1 more)"_s.arg(problems.size() - 1);
    return json(400, {{"success", false},
                      {"error", "VALIDATION_ERROR"},
                      {"message", utf8(message)},
                      {"fields", fields}});
}

SimResponse PemsReplies::validation(const QString& field, const QString& rule,
                                    const QString& message)
{
    return validation(std::vector<FieldProblem>{{field, rule, message}});
}

SimResponse PemsReplies::notFound(const QString& organizationCode, const QString& pfaId)
{
    return error(404, "NOT_FOUND",
                 u"no PFA record %1 in organization %2"_s.arg(pfaId, organizationCode));
}

SimResponse PemsReplies::conflict(const WriteOutcome& outcome)
{
    nlohmann::json fields = nlohmann::json::array();
    for (const model::FieldSpec& spec : model::allFieldSpecs()) {
        if (outcome.conflictMask & fieldBit(spec.field))
            fields.push_back(std::string(spec.wireName));
    }
    const QString message = u"%1 is at version %2, not %3"_s.arg(outcome.pfaId)
                                .arg(outcome.version)
                                .arg(outcome.expectedVersion);
    return json(409, {{"success", false},
                      {"error", "VERSION_CONFLICT"},
                      {"pfaId", utf8(outcome.pfaId)},
                      {"currentVersion", outcome.version},
                      {"expectedVersion", outcome.expectedVersion},
                      {"conflictingFields", fields},
                      {"message", utf8(message)}});
}

SimResponse PemsReplies::applied(const IdempotencyStore::AppliedReply& reply)
{
    // The one reply on the hot path of a PUT benchmark: written directly rather than through a
    // JSON document (a std::map per object), which cost more than the write it reports.
    const QByteArray id = reply.pfaId.toUtf8();
    const QByteArray version = QByteArray::number(reply.version);
    const std::string updatedAt = SimClock::formatIso(reply.updatedAtMs);
    QByteArray body;
    body.reserve(160 + 2 * id.size());
    body.append(R"({"success":true,"pfaId":)");
    appendJsonString(body, id);
    body.append(R"(,"newVersion":)").append(version);
    body.append(R"(,"updatedAt":")")
        .append(updatedAt.data(), static_cast<qsizetype>(updatedAt.size()))
        .append('"');
    if (reply.deleted)
        body.append(R"(,"deleted":true)");
    body.append(R"(,"message":)");
    const QByteArray message =
        id + (reply.deleted ? " deleted at version " : " updated to version ") + version;
    appendJsonString(body, message);
    body.append('}');
    return {200, std::move(body), {}};
}

SimResponse PemsReplies::tooManyRequests(const char* code, const QString& message,
                                         std::chrono::nanoseconds wait,
                                         FaultPlan::RetryAfterFormat format, qint64 nowMs)
{
    const auto seconds = std::max<qint64>(
        1, static_cast<qint64>(std::ceil(std::chrono::duration<double>(wait).count())));
    SimResponse response = error(429, code, message);
    if (format == FaultPlan::RetryAfterFormat::HttpDate) {
        // Whole seconds, rounded up, so the date is never earlier than the wait.
        const qint64 at = (nowMs + seconds * 1000 + 999) / 1000 * 1000;
        response.addHeader("Retry-After", QByteArray::fromStdString(SimClock::formatHttpDate(at)));
    } else {
        response.addHeader("Retry-After", QByteArray::number(seconds));
    }
    return response;
}

nlohmann::json PemsReplies::record(const SimRecord& record)
{
    return {{"pfaId", utf8(record.pfaId)},
            {"organizationCode", utf8(record.organizationCode)},
            {"version", record.version},
            {"updatedAt", SimClock::formatIso(record.updatedAtMs)},
            {"deleted", record.deleted},
            {"data", record.deleted ? nlohmann::json::object() : allFields(record.data)}};
}

nlohmann::json PemsReplies::page(const ListPage& page)
{
    nlohmann::json records = nlohmann::json::array();
    for (const SimRecord* r : page.records)
        records.push_back(record(*r));
    return {{"records", records},
            {"nextCursor", page.next ? nlohmann::json(utf8(page.next->encode())) : nullptr}};
}

nlohmann::json PemsReplies::history(const SimRecord& r)
{
    nlohmann::json versions = nlohmann::json::array();
    for (const SimHistoryEntry& entry : r.history) {
        nlohmann::json changes = nlohmann::json::object();
        for (const auto& [field, value] : entry.changes)
            changes[std::string(model::fieldSpec(field).wireName)] = model::fieldValueToJson(value);
        versions.push_back({{"version", entry.version},
                            {"updatedAt", SimClock::formatIso(entry.updatedAtMs)},
                            {"source", sourceName(entry.source)},
                            {"deleted", entry.deleted},
                            {"modifiedBy", utf8(entry.modifiedBy)},
                            {"changeReason", utf8(entry.changeReason)},
                            {"changes", changes}});
    }
    nlohmann::json out = record(r);
    out["data"] = allFields(r.data); // the admin view shows a tombstone's last data too
    out["history"] = versions;
    return out;
}

} // namespace pfa::sim
