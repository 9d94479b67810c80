#include "model/Validator.h"

#include "model/FieldDiff.h"
#include "model/IsoDateTime.h"

#include <QLatin1String>

#include <algorithm>
#include <utility>

using namespace Qt::StringLiterals;

namespace pfa::model {

namespace {

QString kindName(FieldKind kind)
{
    switch (kind) {
    case FieldKind::Text:
        return u"text"_s;
    case FieldKind::Enum:
        return u"one of the listed values"_s;
    case FieldKind::Money:
        return u"a money amount"_s;
    case FieldKind::DateTime:
        return u"a date-time"_s;
    case FieldKind::Bool:
        return u"true or false"_s;
    }
    return {};
}

QString valueTypeName(const FieldValue& value)
{
    if (std::holds_alternative<QString>(value))
        return u"text"_s;
    if (std::holds_alternative<Money>(value))
        return u"a money amount"_s;
    if (std::holds_alternative<QDateTime>(value))
        return u"a date-time"_s;
    if (std::holds_alternative<bool>(value))
        return u"true/false"_s;
    return u"nothing"_s;
}

// Midnight UTC reads better as a plain date, and dates are what users enter.
QString displayDate(const QDateTime& at)
{
    const QDateTime utc = at.toUTC();
    if (utc.time() == QTime(0, 0))
        return utc.date().toString(Qt::ISODate);
    return toIsoUtc(utc);
}

// Characters as people count them: a surrogate pair is one character.
qsizetype codePointCount(QStringView text)
{
    qsizetype count = 0;
    for (qsizetype i = 0; i < text.size(); ++i, ++count) {
        if (text[i].isHighSurrogate() && i + 1 < text.size() && text[i + 1].isLowSurrogate())
            ++i;
    }
    return count;
}

QString latin1(std::string_view text)
{
    return QString::fromLatin1(text.data(), static_cast<qsizetype>(text.size()));
}

class IssueList
{
public:
    void add(PfaField field, const char16_t* rule, QString message)
    {
        m_issues.push_back({field, QString::fromUtf16(rule), std::move(message)});
    }
    std::vector<ValidationIssue> take() { return std::move(m_issues); }

private:
    std::vector<ValidationIssue> m_issues;
};

void checkText(const FieldSpec& spec, const QString& text, IssueList& issues)
{
    // Built only for a message: this runs for every text field of every record checked.
    const auto name = [&spec] {
        return latin1(spec.wireName);
    };

    const auto control = std::find_if(text.cbegin(), text.cend(), [](QChar c) {
        return c.category() == QChar::Other_Control && c != u'\t' && c != u'\n';
    });
    if (control != text.cend()) {
        issues.add(
            spec.field, u"controlChars",
            u"%1 contains the control character U+%2; only tab and newline are allowed"_s
                .arg(name())
                .arg(QString::number(control->unicode(), 16).toUpper().rightJustified(4, u'0')));
    }

    const qsizetype length = codePointCount(text);
    if (spec.maxLength > 0 && length > spec.maxLength) {
        issues.add(
            spec.field, u"maxLength",
            u"%1 is %2 characters long; at most %3 are allowed"_s.arg(name()).arg(length).arg(
                spec.maxLength));
    }

    if (spec.kind == FieldKind::Enum) {
        const bool allowed =
            std::any_of(spec.allowed.begin(), spec.allowed.end(), [&](std::string_view v) {
                return text == QLatin1StringView(v.data(), static_cast<qsizetype>(v.size()));
            });
        if (!allowed) {
            QStringList values;
            for (std::string_view v : spec.allowed)
                values.append(latin1(v));
            issues.add(
                spec.field, u"enum",
                u"%1 is \"%2\" but must be one of: %3"_s.arg(name(), text, values.join(u", "_s)));
        }
    }
}

void checkFields(const FieldMap& record, IssueList& issues)
{
    for (const FieldSpec& spec : allFieldSpecs()) {
        const FieldValue value = valueOf(record, spec.field);
        const auto name = [&spec] { // only for messages
            return latin1(spec.wireName);
        };

        // A FieldMap built in code can hold the wrong alternative; JSON input never does.
        if (!valueMatchesKind(value, spec.kind)) {
            issues.add(spec.field, u"type",
                       u"%1 holds %2 but must be %3"_s.arg(name(), valueTypeName(value),
                                                           kindName(spec.kind)));
            continue;
        }

        const auto* text = std::get_if<QString>(&value);
        if (spec.key && (!text || text->trimmed().isEmpty()))
            issues.add(spec.field, u"required",
                       u"%1 is required and must not be empty"_s.arg(name()));
        if (text)
            checkText(spec, *text, issues);
    }
}

void checkDateOrder(const FieldMap& record, PfaField startField, PfaField endField,
                    IssueList& issues)
{
    const FieldValue start = valueOf(record, startField);
    const FieldValue end = valueOf(record, endField);
    const auto* s = std::get_if<QDateTime>(&start);
    const auto* e = std::get_if<QDateTime>(&end);
    if (s && e && *e < *s) {
        issues.add(endField, u"dateOrder",
                   u"%1 (%2) is before %3 (%4)"_s.arg(wireName(endField), displayDate(*e),
                                                      wireName(startField), displayDate(*s)));
    }
}

// The amount a source needs: present and not negative. Returns whether it covered the field, so
// that a negative amount is reported once, under the more specific rule.
bool checkSourceAmount(const FieldMap& record, QStringView source, PfaField field,
                       const char16_t* rule, IssueList& issues)
{
    const FieldValue sourceValue = valueOf(record, PfaField::Source);
    const auto* actual = std::get_if<QString>(&sourceValue);
    if (!actual || *actual != source)
        return false;

    const FieldValue value = valueOf(record, field);
    const auto* amount = std::get_if<Money>(&value);
    if (isNull(value)) {
        issues.add(field, rule,
                   u"%1 is required when source is %2"_s.arg(wireName(field), source.toString()));
    } else if (amount && amount->isNegative()) {
        issues.add(field, rule,
                   u"%1 (%2) must not be negative when source is %3"_s.arg(
                       wireName(field), amount->toString(), source.toString()));
    }
    return true;
}

void checkMoney(const FieldMap& record, IssueList& issues)
{
    const bool rateCovered =
        checkSourceAmount(record, u"Rental", PfaField::MonthlyRate, u"rentalRate", issues);
    const bool priceCovered =
        checkSourceAmount(record, u"Purchase", PfaField::PurchasePrice, u"purchasePrice", issues);

    for (const auto& [field, covered] : {std::pair{PfaField::MonthlyRate, rateCovered},
                                         std::pair{PfaField::PurchasePrice, priceCovered}}) {
        const FieldValue value = valueOf(record, field);
        const auto* amount = std::get_if<Money>(&value);
        if (!covered && amount && amount->isNegative()) {
            issues.add(field, u"nonNegative",
                       u"%1 (%2) must not be negative"_s.arg(wireName(field), amount->toString()));
        }
    }
}

Expected<void> firstAsError(const std::vector<ValidationIssue>& issues)
{
    if (issues.empty())
        return {};
    const ValidationIssue& first = issues.front();
    return fail(ErrorCode::Validation, first.message, wireName(first.field));
}

} // namespace

std::vector<ValidationIssue> Validator::validateRecord(const FieldMap& record)
{
    IssueList issues;
    checkFields(record, issues);
    checkDateOrder(record, PfaField::ForecastStart, PfaField::ForecastEnd, issues);
    checkDateOrder(record, PfaField::ActualStart, PfaField::ActualEnd, issues);
    checkMoney(record, issues);
    return issues.take();
}

std::vector<ValidationIssue> Validator::validateDelta(const FieldMap& base, const FieldMap& delta)
{
    std::vector<ValidationIssue> issues;
    for (const FieldSpec& spec : allFieldSpecs()) {
        const auto it = delta.find(spec.field);
        if (!spec.key || it == delta.end() || it->second == valueOf(base, spec.field))
            continue;
        issues.push_back(
            {spec.field, u"immutable"_s,
             u"%1 cannot be changed (from \"%2\" to \"%3\")"_s.arg(
                 latin1(spec.wireName), fieldValueToDisplayString(valueOf(base, spec.field)),
                 fieldValueToDisplayString(it->second))});
    }
    std::vector<ValidationIssue> recordIssues = validateRecord(applyDelta(base, delta));
    issues.insert(issues.end(), std::make_move_iterator(recordIssues.begin()),
                  std::make_move_iterator(recordIssues.end()));
    return issues;
}

Expected<void> Validator::check(const FieldMap& record)
{
    return firstAsError(validateRecord(record));
}

Expected<void> Validator::check(const FieldMap& base, const FieldMap& delta)
{
    return firstAsError(validateDelta(base, delta));
}

} // namespace pfa::model
