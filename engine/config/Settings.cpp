#include "config/Settings.h"

#include "config/PasswordMask.h"

#include <QStringList>

#include <algorithm>

using namespace Qt::StringLiterals;

namespace pfa::config {
namespace {

QString sourceName(SettingSource source, const QString& filePath)
{
    switch (source) {
    case SettingSource::Default:
        return u"default"_s;
    case SettingSource::File:
        return u"file "_s + filePath;
    case SettingSource::Environment:
        return u"environment"_s;
    case SettingSource::Flag:
        return u"flag"_s;
    }
    return {};
}

QString padded(const QString& text, qsizetype width)
{
    return text.leftJustified(width, u' ');
}

} // namespace

// The loader stores each value in the alternative its setting's type calls for, so the
// std::get_if calls below cannot come back empty.

const Settings::Entry& Settings::entry(SettingKey key) const
{
    return m_entries[static_cast<std::size_t>(key)];
}

QString Settings::text(SettingKey key) const
{
    return *std::get_if<QString>(&entry(key).value);
}

int Settings::number(SettingKey key) const
{
    return *std::get_if<int>(&entry(key).value);
}

QString Settings::databaseUrl() const
{
    return text(SettingKey::DatabaseUrl);
}

QUrl Settings::pemsWriteApiUrl() const
{
    return QUrl(text(SettingKey::PemsWriteApiUrl), QUrl::StrictMode);
}

QString Settings::pemsWriteApiKey() const
{
    return text(SettingKey::PemsWriteApiKey);
}

QString Settings::dataKeyFile() const
{
    return text(SettingKey::DataKeyFile);
}

bool Settings::writeSyncEnabled() const
{
    return *std::get_if<bool>(&entry(SettingKey::EnableWriteSync).value);
}

const CronExpression& Settings::schedule() const
{
    return *std::get_if<CronExpression>(&entry(SettingKey::WriteSyncSchedule).value);
}

const CronExpression& Settings::readSyncSchedule() const
{
    return *std::get_if<CronExpression>(&entry(SettingKey::ReadSyncSchedule).value);
}

int Settings::readSyncPageSize() const
{
    return number(SettingKey::ReadSyncPageSize);
}

QString Settings::serviceListenAddress() const
{
    return text(SettingKey::ServiceListenAddress);
}

int Settings::servicePort() const
{
    return number(SettingKey::ServicePort);
}

QString Settings::serviceTlsCertificate() const
{
    return text(SettingKey::ServiceTlsCertificate);
}

QString Settings::serviceTlsKey() const
{
    return text(SettingKey::ServiceTlsKey);
}

int Settings::serviceWriteRateLimit() const
{
    return number(SettingKey::ServiceWriteRateLimit);
}

int Settings::serviceMaxBodyBytes() const
{
    return number(SettingKey::ServiceMaxBodyBytes);
}

int Settings::batchSize() const
{
    return number(SettingKey::WriteSyncBatchSize);
}

int Settings::maxRetries() const
{
    return number(SettingKey::WriteSyncMaxRetries);
}

std::chrono::milliseconds Settings::retryDelay() const
{
    return std::chrono::milliseconds(number(SettingKey::WriteSyncRetryDelay));
}

int Settings::rateLimit() const
{
    return number(SettingKey::PemsApiRateLimit);
}

std::chrono::milliseconds Settings::requestTimeout() const
{
    return std::chrono::milliseconds(number(SettingKey::PemsRequestTimeout));
}

int Settings::retentionDays() const
{
    return number(SettingKey::SyncRetentionDays);
}

int Settings::concurrency() const
{
    return number(SettingKey::WriteSyncConcurrency);
}

SettingSource Settings::source(SettingKey key) const
{
    return entry(key).source;
}

QString Settings::displayValue(SettingKey key) const
{
    const SettingValue& value = entry(key).value;
    if (const auto* flag = std::get_if<bool>(&value))
        return *flag ? u"true"_s : u"false"_s;
    if (const auto* integer = std::get_if<int>(&value))
        return QString::number(*integer);
    if (const auto* cron = std::get_if<CronExpression>(&value))
        return cron->toString();

    const QString& string = *std::get_if<QString>(&value);
    if (string.isEmpty())
        return u"(not set)"_s;
    switch (Setting::of(key).secrecy) {
    case Secrecy::None:
        return string;
    case Secrecy::UrlPassword:
        return maskUrlPassword(string);
    case Secrecy::Whole:
        return u"***"_s;
    }
    return {};
}

std::vector<SettingRow> Settings::rows() const
{
    std::vector<SettingRow> rows;
    rows.reserve(kSettingCount);
    for (const Setting& setting : Setting::all()) {
        const Entry& e = entry(setting.key);
        rows.push_back({QString(setting.name), displayValue(setting.key),
                        sourceName(e.source, e.filePath), QString(setting.description)});
    }
    return rows;
}

QString Settings::formatTable() const
{
    const std::vector<SettingRow> body = rows();
    const SettingRow header{u"NAME"_s, u"VALUE"_s, u"SOURCE"_s, u"DESCRIPTION"_s};

    qsizetype nameWidth = header.name.size();
    qsizetype valueWidth = header.value.size();
    qsizetype sourceWidth = header.source.size();
    for (const SettingRow& row : body) {
        nameWidth = std::max(nameWidth, row.name.size());
        valueWidth = std::max(valueWidth, row.value.size());
        sourceWidth = std::max(sourceWidth, row.source.size());
    }

    const QString gap = u"  "_s;
    QString table;
    auto appendLine = [&](const SettingRow& row) {
        table += padded(row.name, nameWidth) + gap + padded(row.value, valueWidth) + gap +
                 padded(row.source, sourceWidth) + gap + row.description + u'\n';
    };
    appendLine(header);
    for (const SettingRow& row : body)
        appendLine(row);
    return table;
}

} // namespace pfa::config
