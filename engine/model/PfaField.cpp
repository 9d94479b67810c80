#include "model/PfaField.h"

#include <QLatin1String>

#include <array>
#include <cstddef>

namespace pfa::model {

namespace {

constexpr std::array<std::string_view, 2> SourceValues{"Rental", "Purchase"};
constexpr std::array<std::string_view, 2> DorValues{"BEO", "PROJECT"};

constexpr int KeyLength = 64;
constexpr int CodeLength = 32;
constexpr int DescriptionLength = 4000;
constexpr int TextLength = 128;

constexpr FieldSpec text(PfaField f, std::string_view name, int maxLength = TextLength,
                         bool key = false)
{
    return {f, name, FieldKind::Text, maxLength, {}, key};
}

constexpr FieldSpec other(PfaField f, std::string_view name, FieldKind kind)
{
    return {f, name, kind, 0, {}, false};
}

constexpr FieldSpec enumeration(PfaField f, std::string_view name,
                                std::span<const std::string_view> allowed)
{
    return {f, name, FieldKind::Enum, TextLength, allowed, false};
}

constexpr std::array<FieldSpec, 22> Catalog{{
    text(PfaField::PfaId, "pfaId", KeyLength, true),
    text(PfaField::OrganizationCode, "organizationCode", CodeLength, true),
    text(PfaField::AreaSilo, "areaSilo"),
    text(PfaField::Category, "category"),
    text(PfaField::Class, "class"),
    enumeration(PfaField::Source, "source", SourceValues),
    enumeration(PfaField::Dor, "dor", DorValues),
    other(PfaField::MonthlyRate, "monthlyRate", FieldKind::Money),
    other(PfaField::PurchasePrice, "purchasePrice", FieldKind::Money),
    other(PfaField::OriginalStart, "originalStart", FieldKind::DateTime),
    other(PfaField::OriginalEnd, "originalEnd", FieldKind::DateTime),
    other(PfaField::ForecastStart, "forecastStart", FieldKind::DateTime),
    other(PfaField::ForecastEnd, "forecastEnd", FieldKind::DateTime),
    other(PfaField::ActualStart, "actualStart", FieldKind::DateTime),
    other(PfaField::ActualEnd, "actualEnd", FieldKind::DateTime),
    other(PfaField::IsActualized, "isActualized", FieldKind::Bool),
    other(PfaField::IsDiscontinued, "isDiscontinued", FieldKind::Bool),
    other(PfaField::IsFundsTransferable, "isFundsTransferable", FieldKind::Bool),
    text(PfaField::Manufacturer, "manufacturer"),
    text(PfaField::Model, "model"),
    text(PfaField::EquipmentId, "equipmentId"),
    text(PfaField::Description, "description", DescriptionLength),
}};

// fieldSpec() indexes the catalog by enum value, so the two orders must agree.
constexpr bool catalogMatchesEnum()
{
    for (std::size_t i = 0; i < Catalog.size(); ++i) {
        if (static_cast<std::size_t>(Catalog[i].field) != i)
            return false;
    }
    return Catalog.back().field == PfaField::Description;
}
static_assert(catalogMatchesEnum(), "Catalog must list every PfaField in enum order");

} // namespace

const FieldSpec& fieldSpec(PfaField field)
{
    return Catalog[static_cast<std::size_t>(field)];
}

std::span<const FieldSpec> allFieldSpecs()
{
    return Catalog;
}

std::optional<PfaField> fieldFromWire(QStringView name)
{
    for (const FieldSpec& spec : Catalog) {
        if (name ==
            QLatin1String(spec.wireName.data(), static_cast<qsizetype>(spec.wireName.size())))
            return spec.field;
    }
    return std::nullopt;
}

QString wireName(PfaField field)
{
    const std::string_view name = fieldSpec(field).wireName;
    return QString::fromLatin1(name.data(), static_cast<qsizetype>(name.size()));
}

} // namespace pfa::model
