#pragma once

#include "model/Error.h"

#include <QByteArray>
#include <QSet>
#include <QString>

#include <unordered_map>

namespace pfa::sim {

// The API keys pems-sim accepts and the organizations each may touch.
class ApiKeyRing final
{
public:
    struct Grant
    {
        bool allOrganizations = true;
        QSet<QString> organizations;

        [[nodiscard]] bool allows(const QString& organizationCode) const
        {
            return allOrganizations || organizations.contains(organizationCode);
        }
    };

    // "KEY" (every organization) or "KEY=RIO,HOU" (only those; the split is at the last '=').
    [[nodiscard]] Expected<void> addSpec(const QString& spec);
    void add(const QByteArray& key, Grant grant);

    // nullptr for an unknown (or empty) key.
    [[nodiscard]] const Grant* find(const QByteArray& key) const;
    [[nodiscard]] bool isEmpty() const { return m_keys.empty(); }

private:
    std::unordered_map<QByteArray, Grant> m_keys;
};

} // namespace pfa::sim
