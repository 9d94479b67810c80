#pragma once

#include "model/Error.h"
#include "model/FieldValue.h"
#include "model/WireEnum.h"

#include <QDateTime>
#include <QString>

#include <nlohmann/json.hpp>

#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace pfa::model {

// Reads the members of one JSON object into typed values for the value types' fromJson functions.
// It keeps the first error and ignores later reads, so a fromJson is a flat list of read() calls
// followed by finish(), instead of an if-return after every member.
//
// Non-optional targets need the key present with the right type; std::optional targets accept a
// missing key or null; nlohmann::json targets take any value (missing = null). finish() rejects
// keys that no read() asked for. Errors are InvalidInput with Error::field = the key.
class JsonReader
{
public:
    // what: the type being read, for messages ("Modification").
    JsonReader(const nlohmann::json& object, QString what);

    void read(std::string_view key, QString& out);
    void read(std::string_view key, qint64& out);
    void read(std::string_view key, int& out);
    void read(std::string_view key, bool& out);
    void read(std::string_view key, QDateTime& out);
    void read(std::string_view key, FieldMap& out);
    void read(std::string_view key, std::vector<PfaField>& out);
    void read(std::string_view key, nlohmann::json& out);

    template<WireEnum E>
    void read(std::string_view key, E& out)
    {
        const nlohmann::json* value = require(key);
        if (!value)
            return;
        if (!value->is_string()) {
            wrongType(key, u"a string", *value);
            return;
        }
        const std::string& text = value->get_ref<const std::string&>();
        const QString name = QString::fromUtf8(text.data(), static_cast<qsizetype>(text.size()));
        if (const auto parsed = fromWire<E>(name))
            out = *parsed;
        else
            unknownValue(key, name, wireNameList<E>());
    }

    template<typename T>
    void read(std::string_view key, std::optional<T>& out)
    {
        const nlohmann::json* value = find(key);
        if (!value || value->is_null()) {
            out.reset();
            return;
        }
        T inner{};
        read(key, inner);
        if (ok())
            out = std::move(inner);
    }

    [[nodiscard]] bool ok() const { return !m_error.has_value(); }

    // The value read, or the first error; also the unknown-key check.
    template<typename T>
    [[nodiscard]] Expected<T> finish(T value)
    {
        checkUnknownKeys();
        if (m_error)
            return std::unexpected(*m_error);
        return value;
    }

private:
    const nlohmann::json* find(std::string_view key);
    const nlohmann::json* require(std::string_view key);
    void setError(std::string_view key, const QString& message);
    void wrongType(std::string_view key, QStringView expected, const nlohmann::json& value);
    void unknownValue(std::string_view key, const QString& value, const QString& allowed);
    void checkUnknownKeys();

    const nlohmann::json& m_object;
    QString m_what;
    std::set<std::string, std::less<>> m_seen;
    std::optional<Error> m_error;
};

} // namespace pfa::model
