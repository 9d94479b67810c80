#pragma once

#include "config/CronExpression.h"
#include "config/Setting.h"
#include "config/SettingRow.h"

#include <QString>
#include <QUrl>

#include <array>
#include <chrono>
#include <variant>
#include <vector>

namespace pfa::config {

// A setting's typed value; the alternative is fixed by its SettingType.
using SettingValue = std::variant<QString, bool, int, CronExpression>;

// The effective engine settings, each with the source it came from. Only SettingsLoader creates
// them, so every instance holds validated values; load with no inputs to get the defaults.
class Settings
{
public:
    [[nodiscard]] QString databaseUrl() const;     // empty = not configured
    [[nodiscard]] QUrl pemsWriteApiUrl() const;    // empty = not configured
    [[nodiscard]] QString pemsWriteApiKey() const; // secret: never log it
    // The path of the data key file (never its content); empty = not configured.
    [[nodiscard]] QString dataKeyFile() const;
    [[nodiscard]] bool writeSyncEnabled() const;
    [[nodiscard]] const CronExpression& schedule() const;
    [[nodiscard]] int batchSize() const;
    [[nodiscard]] int maxRetries() const;
    [[nodiscard]] std::chrono::milliseconds retryDelay() const;
    [[nodiscard]] int rateLimit() const; // requests per second
    [[nodiscard]] std::chrono::milliseconds requestTimeout() const;
    [[nodiscard]] int retentionDays() const;
    [[nodiscard]] int concurrency() const; // requests in flight per worker
    [[nodiscard]] const CronExpression& readSyncSchedule() const;
    [[nodiscard]] int readSyncPageSize() const;
    [[nodiscard]] QString serviceListenAddress() const;
    [[nodiscard]] int servicePort() const;
    [[nodiscard]] QString serviceTlsCertificate() const; // empty: plain HTTP
    [[nodiscard]] QString serviceTlsKey() const;
    [[nodiscard]] int serviceWriteRateLimit() const; // per token, requests per second
    [[nodiscard]] int serviceMaxBodyBytes() const;

    [[nodiscard]] SettingSource source(SettingKey key) const;
    // For `config show`: one row per setting in table order, secrets masked.
    [[nodiscard]] std::vector<SettingRow> rows() const;
    // rows() as an aligned plain-text table with a header line, one line per setting.
    [[nodiscard]] QString formatTable() const;

private:
    friend class SettingsLoader;

    struct Entry
    {
        SettingValue value;
        SettingSource source = SettingSource::Default;
        QString filePath; // SettingSource::File only
    };

    Settings() = default;

    [[nodiscard]] const Entry& entry(SettingKey key) const;
    [[nodiscard]] QString text(SettingKey key) const;
    [[nodiscard]] int number(SettingKey key) const;
    [[nodiscard]] QString displayValue(SettingKey key) const;

    std::array<Entry, kSettingCount> m_entries;
};

} // namespace pfa::config
