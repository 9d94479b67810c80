#include "config/SettingsLoader.h"

#include "config/PasswordMask.h"

#include <QFileInfo>
#include <QSettings>
#include <QUrl>
#include <QVariant>

#include <optional>

using namespace Qt::StringLiterals;

namespace pfa::config {
namespace {

using Inputs = std::array<std::optional<QString>, kSettingCount>;

std::unexpected<pfa::Error> configError(const QString& message, const QString& field = {})
{
    return pfa::fail(pfa::ErrorCode::Config, message, field);
}

// "sync/batch_size" -> "[sync] batch_size"; keys outside any group stay as they are.
QString describeIniKey(const QString& key)
{
    const qsizetype slash = key.lastIndexOf(u'/');
    if (slash < 0)
        return key;
    return u'[' + key.first(slash) + u"] "_s + key.sliced(slash + 1);
}

QString knownNames()
{
    QStringList names;
    for (const Setting& setting : Setting::all())
        names.append(QString(setting.name));
    return names.join(u", "_s);
}

QString knownIniKeys()
{
    QStringList keys;
    for (const Setting& setting : Setting::all()) {
        if (setting.secrecy != Secrecy::Whole)
            keys.append(describeIniKey(QString(setting.iniKey)));
    }
    return keys.join(u", "_s);
}

// What may be quoted back to the user in a message about this value.
QString printable(const Setting& setting, const QString& value)
{
    switch (setting.secrecy) {
    case Secrecy::None:
        return value;
    case Secrecy::UrlPassword:
        return maskUrlPassword(value);
    case Secrecy::Whole:
        return u"***"_s;
    }
    return {};
}

pfa::Expected<Inputs> readFlags(const QStringList& assignments)
{
    Inputs flags;
    for (qsizetype i = 0; i < assignments.size(); ++i) {
        const QString& assignment = assignments[i];
        const qsizetype equals = assignment.indexOf(u'=');
        if (equals <= 0) {
            // The text is not echoed: it may be a secret typed without its NAME= part.
            return configError(
                u"--set expects NAME=VALUE, but argument %1 of --set has no NAME= part"_s.arg(i +
                                                                                              1));
        }
        const QString name = assignment.first(equals);
        const Setting* setting = Setting::findByName(name);
        if (setting == nullptr) {
            return configError(
                u"--set %1: unknown setting; known settings are %2"_s.arg(name, knownNames()),
                name);
        }
        flags[static_cast<std::size_t>(setting->key)] = assignment.sliced(equals + 1);
    }
    return flags;
}

Inputs readEnvironment(const QProcessEnvironment& env)
{
    Inputs values;
    for (const Setting& setting : Setting::all()) {
        const QString name(setting.name);
        // Deployment tools often pass unset variables as empty ones; treat them as absent.
        if (const QString value = env.value(name); !value.isEmpty())
            values[static_cast<std::size_t>(setting.key)] = value;
    }
    return values;
}

QString iniValueText(const QVariant& value)
{
    // QSettings splits unquoted values at commas ("0,30 * * * *"); join them back.
    if (value.typeId() == QMetaType::QStringList)
        return value.toStringList().join(u',');
    return value.toString();
}

std::unexpected<pfa::Error> secretInFile(const Setting& setting, const QString& path,
                                         const QString& key)
{
    const QString name(setting.name);
    const QString where = u"%1 in %2 (%3)"_s.arg(name, path, describeIniKey(key));
    if (setting.key == SettingKey::DatabaseUrl) {
        return configError(where + u" contains a password; passwords do not belong in the "
                                   u"configuration file: set %1 in the environment or put the "
                                   u"password in a .pgpass file"_s.arg(name),
                           name);
    }
    if (setting.secrecy == Secrecy::Whole) {
        return configError(where + u": secrets do not belong in the configuration file; set %1 "
                                   u"in the environment instead"_s.arg(name),
                           name);
    }
    return configError(where + u" contains a password; passwords do not belong in the "
                               u"configuration file: set %1 in the environment instead"_s.arg(name),
                       name);
}

pfa::Expected<Inputs> readIniFile(const QString& path)
{
    const QFileInfo info(path);
    if (!info.exists())
        return configError(u"configuration file %1 does not exist"_s.arg(path));
    if (!info.isFile())
        return configError(u"configuration file %1 is not a regular file"_s.arg(path));
    if (!info.isReadable())
        return configError(u"configuration file %1 is not readable"_s.arg(path));

    const QSettings ini(path, QSettings::IniFormat);
    switch (ini.status()) {
    case QSettings::NoError:
        break;
    case QSettings::AccessError:
        return configError(u"configuration file %1 could not be read"_s.arg(path));
    case QSettings::FormatError:
        return configError(u"configuration file %1 is not a valid INI file"_s.arg(path));
    }

    Inputs values;
    for (const QString& key : ini.allKeys()) {
        const Setting* setting = Setting::findByIniKey(key);
        if (setting == nullptr) {
            // An environment-style name in the file: point to the file's spelling (or refuse a
            // secret) rather than just calling it unknown.
            const QString leaf = key.sliced(key.lastIndexOf(u'/') + 1);
            if (const Setting* named = Setting::findByName(leaf.toUpper())) {
                if (named->secrecy == Secrecy::Whole)
                    return secretInFile(*named, path, key);
                return configError(u"%1: unknown key \"%2\"; in the configuration file %3 is "
                                   u"written %4"_s.arg(path, describeIniKey(key),
                                                       QString(named->name),
                                                       describeIniKey(QString(named->iniKey))),
                                   key);
            }
            return configError(u"%1: unknown key \"%2\"; known keys are %3"_s.arg(
                                   path, describeIniKey(key), knownIniKeys()),
                               key);
        }
        const QString text = iniValueText(ini.value(key));
        if (setting->secrecy == Secrecy::Whole ||
            (setting->secrecy == Secrecy::UrlPassword && containsUrlPassword(text))) {
            return secretInFile(*setting, path, key);
        }
        values[static_cast<std::size_t>(setting->key)] = text;
    }
    return values;
}

// Converts text to the setting's type; the error is the rule that was broken, e.g.
// "\"abc\" is not a whole number between 1 and 1000".
pfa::Expected<SettingValue> parseValue(const Setting& setting, const QString& raw)
{
    const QString value = raw.trimmed();
    const QString quoted = u'"' + printable(setting, value) + u'"';
    switch (setting.type) {
    case SettingType::Text:
        return SettingValue(value);
    case SettingType::PostgresUrl:
        if (!value.isEmpty() && !value.startsWith(u"postgresql://"_s, Qt::CaseInsensitive) &&
            !value.startsWith(u"postgres://"_s, Qt::CaseInsensitive)) {
            return configError(quoted + u" is not a postgresql:// URL"_s);
        }
        return SettingValue(value);
    case SettingType::HttpUrl: {
        if (value.isEmpty())
            return SettingValue(value);
        const QUrl url(value, QUrl::StrictMode);
        const QString scheme = url.scheme();
        if (!url.isValid() || url.host().isEmpty() || (scheme != u"http" && scheme != u"https"))
            return configError(quoted + u" is not an http:// or https:// URL"_s);
        return SettingValue(value);
    }
    case SettingType::Bool: {
        const QString lower = value.toLower();
        if (lower == u"true" || lower == u"1" || lower == u"yes" || lower == u"on")
            return SettingValue(true);
        if (lower == u"false" || lower == u"0" || lower == u"no" || lower == u"off")
            return SettingValue(false);
        return configError(quoted + u" is not a boolean (true/false, 1/0, yes/no, on/off)"_s);
    }
    case SettingType::Int: {
        bool ok = false;
        const int number = value.toInt(&ok, 10);
        if (!ok || number < setting.minimum || number > setting.maximum) {
            const QString unit =
                setting.unit.isEmpty() ? QString() : u"of "_s + QString(setting.unit) + u' ';
            return configError(quoted + u" is not a whole number %1between %2 and %3"_s.arg(unit)
                                            .arg(setting.minimum)
                                            .arg(setting.maximum));
        }
        return SettingValue(number);
    }
    case SettingType::Cron: {
        const auto cron = CronExpression::parse(value);
        if (!cron)
            return configError(quoted + u" is not a valid cron schedule: "_s +
                               cron.error().message);
        // Any satisfiable expression fires within a century of any start, so a fixed start keeps
        // this check independent of today's date.
        if (!cron->nextAfter(QDateTime(QDate(2000, 1, 1), QTime(0, 0), Qt::UTC)).isValid())
            return configError(quoted + u" never fires: no date matches it"_s);
        return SettingValue(*cron);
    }
    }
    return configError(u"unsupported setting type"_s);
}

QString describeSource(const Setting& setting, SettingSource source, const QString& path)
{
    switch (source) {
    case SettingSource::Flag:
        return u"from --set"_s;
    case SettingSource::Environment:
        return u"from the environment"_s;
    case SettingSource::File:
        return u"from file %1 (%2)"_s.arg(path, describeIniKey(QString(setting.iniKey)));
    case SettingSource::Default:
        return u"default"_s;
    }
    return {};
}

} // namespace

pfa::Expected<Settings> SettingsLoader::load(const QStringList& flagAssignments,
                                             const QProcessEnvironment& env, const QString& iniPath)
{
    const auto flags = readFlags(flagAssignments);
    if (!flags)
        return std::unexpected(flags.error());
    const Inputs environment = readEnvironment(env);
    Inputs file;
    if (!iniPath.isEmpty()) {
        const auto fromFile = readIniFile(iniPath);
        if (!fromFile)
            return std::unexpected(fromFile.error());
        file = *fromFile;
    }

    Settings settings;
    for (const Setting& setting : Setting::all()) {
        const auto index = static_cast<std::size_t>(setting.key);
        SettingSource source = SettingSource::Default;
        QString raw(setting.defaultValue);
        if ((*flags)[index]) {
            source = SettingSource::Flag;
            raw = *(*flags)[index];
        } else if (environment[index]) {
            source = SettingSource::Environment;
            raw = *environment[index];
        } else if (file[index]) {
            source = SettingSource::File;
            raw = *file[index];
        }

        auto value = parseValue(setting, raw);
        if (!value) {
            const QString name(setting.name);
            return configError(name + u' ' + describeSource(setting, source, iniPath) + u": "_s +
                                   value.error().message,
                               name);
        }
        const QString filePath = source == SettingSource::File ? iniPath : QString();
        settings.m_entries[index] = Settings::Entry{std::move(*value), source, filePath};
    }
    return settings;
}

} // namespace pfa::config
