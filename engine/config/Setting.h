#pragma once

#include <QLatin1StringView>
#include <QStringView>

#include <cstddef>
#include <span>

namespace pfa::config {

// Every engine setting; the order is the order of Setting::all() and of `config show`.
enum class SettingKey
{
    DatabaseUrl,
    PemsWriteApiUrl,
    PemsWriteApiKey,
    DataKeyFile,
    EnableWriteSync,
    WriteSyncSchedule,
    WriteSyncBatchSize,
    WriteSyncMaxRetries,
    WriteSyncRetryDelay,
    PemsApiRateLimit,
    PemsRequestTimeout,
    SyncRetentionDays,
    WriteSyncConcurrency,
    ReadSyncSchedule,
    ReadSyncPageSize,
    ServiceListenAddress,
    ServicePort,
    ServiceTlsCertificate,
    ServiceTlsKey,
    ServiceWriteRateLimit,
    ServiceMaxBodyBytes,
};
inline constexpr std::size_t kSettingCount = 21;

enum class SettingType
{
    PostgresUrl, // empty or postgresql:// / postgres://
    HttpUrl,     // empty or http:// / https:// with a host
    Text,
    Bool,
    Int, // within [minimum, maximum]
    Cron,
};

// How much of a value may be shown, and whether it may live in the INI file.
enum class Secrecy
{
    None,
    UrlPassword, // shown with the URL's password masked; refused in the file if it has one
    Whole,       // never shown; never accepted from the file
};

// Where an effective value came from, lowest precedence first.
enum class SettingSource
{
    Default,
    File,
    Environment,
    Flag,
};

// One row of the typed key table.
struct Setting
{
    SettingKey key;
    QLatin1StringView name;   // environment variable, `--set` name and canonical name
    QLatin1StringView iniKey; // "group/key" in the INI file
    QLatin1StringView defaultValue;
    SettingType type;
    int minimum; // SettingType::Int only
    int maximum;
    QLatin1StringView unit; // SettingType::Int only: names the unit in messages, may be empty
    Secrecy secrecy;
    QLatin1StringView description;

    [[nodiscard]] static std::span<const Setting> all();
    [[nodiscard]] static const Setting& of(SettingKey key);
    // nullptr when unknown. Names are case-sensitive, like environment variables.
    [[nodiscard]] static const Setting* findByName(QStringView name);
    [[nodiscard]] static const Setting* findByIniKey(QStringView iniKey);
};

} // namespace pfa::config
