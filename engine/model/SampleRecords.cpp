#include "model/SampleRecords.h"

#include <QRandomGenerator>

#include <array>

using namespace Qt::StringLiterals;

namespace pfa::model {

namespace {

struct Equipment
{
    const char16_t* category;
    const char16_t* equipmentClass;
    const char16_t* manufacturer;
    const char16_t* model;
    const char16_t* use;
    int minRate; // monthly rental, whole currency units
    int maxRate;
};

constexpr std::array Catalog{
    Equipment{u"Cranes", u"Mobile Crane 50t", u"Liebherr", u"LTM 1050-3.1",
              u"steel erection on the pipe rack", 18000, 32000},
    Equipment{u"Cranes", u"Crawler Crane 250t", u"Manitowoc", u"MLC300",
              u"heavy lifts at the process unit", 45000, 78000},
    Equipment{u"Generators", u"Diesel Generator 500kVA", u"Caterpillar", u"XQ500",
              u"temporary power for the camp", 6500, 11000},
    Equipment{u"Generators", u"Diesel Generator 100kVA", u"Atlas Copco", u"QAS 100",
              u"site offices and workshops", 1900, 3400},
    Equipment{u"Light Towers", u"LED Light Tower", u"Generac", u"MLT6SMDS",
              u"night shifts on the laydown yard", 850, 1400},
    Equipment{u"Excavators", u"Hydraulic Excavator 30t", u"Komatsu", u"PC290LC-11",
              u"foundation excavation", 9500, 16000},
    Equipment{u"Forklifts", u"Telehandler 4t", u"JCB", u"540-180",
              u"material handling in the warehouse", 3200, 5200},
    Equipment{u"Air Compressors", u"Portable Compressor 750cfm", u"Sullair", u"750H",
              u"sandblasting and painting", 2600, 4300},
    Equipment{u"Welding Machines", u"Engine Welder 500A", u"Lincoln Electric", u"Vantage 500",
              u"pipe welding crews", 1200, 2100},
    Equipment{u"Aerial Work Platforms", u"Boom Lift 40m", u"JLG", u"1350SJP",
              u"work at height on the flare stack", 7800, 12500},
    Equipment{u"Aerial Work Platforms", u"Scissor Lift 12m", u"Genie", u"GS-4047",
              u"electrical installation", 1500, 2600},
    Equipment{u"Pumps", u"Dewatering Pump 6in", u"Godwin", u"CD150M", u"dewatering the tank pit",
              2200, 3900},
};

constexpr std::array Areas{u"North Pipe Rack", u"Process Unit 2", u"Tank Farm",
                           u"Utilities",       u"Camp",           u"Laydown Yard",
                           u"Jetty",           u"Substation"};
constexpr std::array Silos{u"A", u"B", u"C", u"D"};

// A fixed reference date rather than today, so that a seed always yields the same records.
const QDateTime Epoch(QDate(2026, 1, 5), QTime(0, 0), Qt::UTC);

int between(QRandomGenerator& random, int low, int high)
{
    return low + static_cast<int>(random.bounded(static_cast<quint32>(high - low + 1)));
}

} // namespace

std::vector<FieldMap> SampleRecords::generate(const QString& organizationCode, int firstNumber,
                                              int count, quint32 seed)
{
    QRandomGenerator random(seed);
    std::vector<FieldMap> records;
    records.reserve(static_cast<size_t>(std::max(count, 0)));
    for (int i = 0; i < count; ++i) {
        const Equipment& equipment = Catalog[random.bounded(static_cast<quint32>(Catalog.size()))];
        const bool rental = random.bounded(10u) < 7;
        const QDateTime originalStart = Epoch.addDays(between(random, 0, 540));
        const QDateTime originalEnd = originalStart.addDays(between(random, 30, 720));
        const QDateTime forecastStart = originalStart.addDays(between(random, -15, 45));
        const QDateTime forecastEnd =
            std::max(forecastStart.addDays(30), originalEnd.addDays(between(random, -20, 90)));
        const bool actualized = forecastStart < Epoch.addDays(300) && random.bounded(10u) < 6;

        FieldMap record;
        record[PfaField::PfaId] = u"PFA-"_s + QString::number(firstNumber + i);
        record[PfaField::OrganizationCode] = organizationCode;
        record[PfaField::AreaSilo] =
            QStringView(Areas[random.bounded(static_cast<quint32>(Areas.size()))]).toString() +
            u" / Silo "_s +
            QStringView(Silos[random.bounded(static_cast<quint32>(Silos.size()))]).toString();
        record[PfaField::Category] = QStringView(equipment.category).toString();
        record[PfaField::Class] = QStringView(equipment.equipmentClass).toString();
        record[PfaField::Source] = rental ? u"Rental"_s : u"Purchase"_s;
        record[PfaField::Dor] = random.bounded(10u) < 4 ? u"BEO"_s : u"PROJECT"_s;
        if (rental) {
            const qint64 cents =
                qint64(between(random, equipment.minRate, equipment.maxRate)) * 100 +
                (random.bounded(4u) == 0 ? between(random, 1, 99) : 0);
            record[PfaField::MonthlyRate] = Money::fromUnits(cents * 100);
        } else {
            const qint64 whole = qint64(between(random, equipment.minRate, equipment.maxRate)) *
                                 between(random, 18, 30);
            record[PfaField::PurchasePrice] = Money::fromUnits(whole * 10000);
        }
        record[PfaField::OriginalStart] = originalStart;
        record[PfaField::OriginalEnd] = originalEnd;
        record[PfaField::ForecastStart] = forecastStart;
        record[PfaField::ForecastEnd] = forecastEnd;
        if (actualized) {
            const QDateTime actualStart = forecastStart.addDays(between(random, 0, 10));
            record[PfaField::ActualStart] = actualStart;
            if (random.bounded(3u) == 0)
                record[PfaField::ActualEnd] = actualStart.addDays(between(random, 20, 200));
        }
        record[PfaField::IsActualized] = actualized;
        record[PfaField::IsDiscontinued] = random.bounded(20u) == 0;
        record[PfaField::IsFundsTransferable] = random.bounded(2u) == 0;
        record[PfaField::Manufacturer] = QStringView(equipment.manufacturer).toString();
        record[PfaField::Model] = QStringView(equipment.model).toString();
        record[PfaField::EquipmentId] =
            u"EQ-%1-%2"_s.arg(organizationCode).arg(firstNumber + i, 6, 10, QChar(u'0'));
        record[PfaField::Description] = QStringView(equipment.equipmentClass).toString() +
                                        u" for "_s + QStringView(equipment.use).toString();
        records.push_back(std::move(record));
    }
    return records;
}

} // namespace pfa::model
