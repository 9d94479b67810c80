#include "config/Setting.h"

#include <array>

using namespace Qt::StringLiterals;

namespace pfa::config {
namespace {

// clang-format off
constexpr std::array<Setting, kSettingCount> kSettings{{
    {SettingKey::DatabaseUrl, "DATABASE_URL"_L1, "database/url"_L1, ""_L1,
     SettingType::PostgresUrl, 0, 0, {}, Secrecy::UrlPassword,
     "PFA Vanguard PostgreSQL URL (postgresql://user@host/db); empty = not configured"_L1},
    {SettingKey::PemsWriteApiUrl, "PEMS_WRITE_API_URL"_L1, "pems/write_api_url"_L1, ""_L1,
     SettingType::HttpUrl, 0, 0, {}, Secrecy::UrlPassword,
     "Base URL of the PEMS write API (http or https); empty = not configured"_L1},
    // The INI key exists only so that putting the key in the file gets a precise refusal.
    {SettingKey::PemsWriteApiKey, "PEMS_WRITE_API_KEY"_L1, "pems/write_api_key"_L1, ""_L1,
     SettingType::Text, 0, 0, {}, Secrecy::Whole,
     "PEMS write API key (environment only: never the file or the command line)"_L1},
    // A path, shown by `config show`; the key itself is never read into the settings.
    {SettingKey::DataKeyFile, "PFA_DATA_KEY_FILE"_L1, "secrets/data_key_file"_L1, ""_L1,
     SettingType::Text, 0, 0, {}, Secrecy::None,
     "Data key file of the stored PEMS keys (mode 0600); empty: systemd credential pfa-data-key"_L1},
    {SettingKey::EnableWriteSync, "ENABLE_WRITE_SYNC"_L1, "sync/enabled"_L1, "true"_L1,
     SettingType::Bool, 0, 0, {}, Secrecy::None,
     "Push PFA modifications to PEMS"_L1},
    {SettingKey::WriteSyncSchedule, "WRITE_SYNC_SCHEDULE"_L1, "sync/schedule"_L1, "*/1 * * * *"_L1,
     SettingType::Cron, 0, 0, {}, Secrecy::None,
     "When the write sync runs (5-field cron)"_L1},
    {SettingKey::WriteSyncBatchSize, "WRITE_SYNC_BATCH_SIZE"_L1, "sync/batch_size"_L1, "100"_L1,
     SettingType::Int, 1, 1000, {}, Secrecy::None,
     "Modifications sent per sync batch"_L1},
    {SettingKey::WriteSyncMaxRetries, "WRITE_SYNC_MAX_RETRIES"_L1, "sync/max_retries"_L1, "3"_L1,
     SettingType::Int, 0, 20, {}, Secrecy::None,
     "Retries of a failed modification before it is given up"_L1},
    {SettingKey::WriteSyncRetryDelay, "WRITE_SYNC_RETRY_DELAY"_L1, "sync/retry_delay_ms"_L1,
     "5000"_L1, SettingType::Int, 100, 3600000, "milliseconds"_L1, Secrecy::None,
     "Delay before a failed modification is retried (milliseconds)"_L1},
    {SettingKey::PemsApiRateLimit, "PEMS_API_RATE_LIMIT"_L1, "pems/rate_limit"_L1, "10"_L1,
     SettingType::Int, 0, 1000, "requests per second"_L1, Secrecy::None,
     "Maximum PEMS API requests per second, all workers together (0 = no limit)"_L1},
    {SettingKey::PemsRequestTimeout, "PEMS_REQUEST_TIMEOUT"_L1, "pems/request_timeout_ms"_L1,
     "30000"_L1, SettingType::Int, 1000, 600000, "milliseconds"_L1, Secrecy::None,
     "Timeout of one PEMS API request (milliseconds)"_L1},
    {SettingKey::SyncRetentionDays, "SYNC_RETENTION_DAYS"_L1, "sync/retention_days"_L1, "30"_L1,
     SettingType::Int, 1, 3650, "days"_L1, Secrecy::None,
     "Days completed queue rows and their attempts are kept"_L1},
    {SettingKey::WriteSyncConcurrency, "WRITE_SYNC_CONCURRENCY"_L1, "sync/concurrency"_L1, "32"_L1,
     SettingType::Int, 1, 256, "requests"_L1, Secrecy::None,
     "PEMS requests one worker keeps in flight at once"_L1},
    {SettingKey::ReadSyncSchedule, "READ_SYNC_SCHEDULE"_L1, "read_sync/schedule"_L1,
     "*/15 * * * *"_L1, SettingType::Cron, 0, 0, {}, Secrecy::None,
     "When PEMS' changes are pulled into the mirror (5-field cron)"_L1},
    {SettingKey::ReadSyncPageSize, "READ_SYNC_PAGE_SIZE"_L1, "read_sync/page_size"_L1, "1000"_L1,
     SettingType::Int, 1, 1000, "records"_L1, Secrecy::None,
     "Records asked for per PEMS list request of the read sync"_L1},
    {SettingKey::ServiceListenAddress, "SERVICE_LISTEN_ADDRESS"_L1, "service/listen_address"_L1,
     "127.0.0.1"_L1, SettingType::Text, 0, 0, {}, Secrecy::None,
     "Address --service listens on (an IPv4/IPv6 address; 0.0.0.0 = every interface)"_L1},
    {SettingKey::ServicePort, "SERVICE_PORT"_L1, "service/port"_L1, "8787"_L1,
     SettingType::Int, 0, 65535, {}, Secrecy::None,
     "TCP port of the --service API (0 = any free port, printed at start)"_L1},
    {SettingKey::ServiceTlsCertificate, "SERVICE_TLS_CERT"_L1, "service/tls_certificate"_L1, ""_L1,
     SettingType::Text, 0, 0, {}, Secrecy::None,
     "PEM certificate (chain) file; with SERVICE_TLS_KEY the API speaks HTTPS only"_L1},
    {SettingKey::ServiceTlsKey, "SERVICE_TLS_KEY"_L1, "service/tls_key"_L1, ""_L1,
     SettingType::Text, 0, 0, {}, Secrecy::None,
     "PEM private key file of SERVICE_TLS_CERT (keep it 0600)"_L1},
    {SettingKey::ServiceWriteRateLimit, "SERVICE_WRITE_RATE_LIMIT"_L1, "service/write_rate_limit"_L1,
     "10"_L1, SettingType::Int, 1, 10000, "requests per second"_L1, Secrecy::None,
     "Write requests per second one API token may make (then 429)"_L1},
    {SettingKey::ServiceMaxBodyBytes, "SERVICE_MAX_BODY_BYTES"_L1, "service/max_body_bytes"_L1,
     "1048576"_L1, SettingType::Int, 1024, 67108864, "bytes"_L1, Secrecy::None,
     "Largest request body the API accepts (then 413)"_L1},
}};
// clang-format on

// Setting::of indexes the table by key, so the table must follow the enum's order.
constexpr bool tableFollowsKeyOrder()
{
    for (std::size_t i = 0; i < kSettings.size(); ++i) {
        if (kSettings[i].key != static_cast<SettingKey>(i))
            return false;
    }
    return true;
}
static_assert(tableFollowsKeyOrder(), "kSettings must list the settings in SettingKey order");

} // namespace

std::span<const Setting> Setting::all()
{
    return kSettings;
}

const Setting& Setting::of(SettingKey key)
{
    return kSettings[static_cast<std::size_t>(key)];
}

const Setting* Setting::findByName(QStringView name)
{
    for (const Setting& setting : kSettings) {
        if (name == setting.name)
            return &setting;
    }
    return nullptr;
}

const Setting* Setting::findByIniKey(QStringView iniKey)
{
    for (const Setting& setting : kSettings) {
        if (iniKey == setting.iniKey)
            return &setting;
    }
    return nullptr;
}

} // namespace pfa::config
