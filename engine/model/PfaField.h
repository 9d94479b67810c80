#pragma once

#include <QString>
#include <QStringView>

#include <optional>
#include <span>
#include <string_view>

namespace pfa::model {

// Every field a PFA record has (DESIGN "PFA record fields"). The order is the catalog order used
// for display and for deterministic JSON/diff output.
enum class PfaField
{
    PfaId,
    OrganizationCode,
    AreaSilo,
    Category,
    Class,
    Source,
    Dor,
    MonthlyRate,
    PurchasePrice,
    OriginalStart,
    OriginalEnd,
    ForecastStart,
    ForecastEnd,
    ActualStart,
    ActualEnd,
    IsActualized,
    IsDiscontinued,
    IsFundsTransferable,
    Manufacturer,
    Model,
    EquipmentId,
    Description,
};

// How a field's value is typed, both in FieldValue and on the wire.
enum class FieldKind
{
    Text,
    Enum,
    Money,
    DateTime,
    Bool,
};

struct FieldSpec
{
    PfaField field;
    std::string_view wireName;
    FieldKind kind;
    int maxLength;                             // in characters (code points); 0 for non-text kinds
    std::span<const std::string_view> allowed; // exact values for FieldKind::Enum, else empty
    bool key;                                  // identifies the record; never changed by a delta
};

[[nodiscard]] const FieldSpec& fieldSpec(PfaField field);
[[nodiscard]] std::span<const FieldSpec> allFieldSpecs();
[[nodiscard]] std::optional<PfaField> fieldFromWire(QStringView name);
[[nodiscard]] QString wireName(PfaField field);

} // namespace pfa::model
