#include "ApiKeyRing.h"

using namespace Qt::StringLiterals;

namespace pfa::sim {

Expected<void> ApiKeyRing::addSpec(const QString& spec)
{
    Grant grant;
    QString key = spec;
    const qsizetype equals = spec.lastIndexOf(u'=');
    if (equals > 0 && equals + 1 < spec.size()) {
        key = spec.left(equals);
        grant.allOrganizations = false;
        const QStringList organizations = spec.mid(equals + 1).split(u',', Qt::SkipEmptyParts);
        for (const QString& organization : organizations)
            grant.organizations.insert(organization.trimmed());
        if (grant.organizations.isEmpty())
            return fail(ErrorCode::Config, u"--api-key %1 names no organization"_s.arg(key));
    }
    if (key.trimmed().isEmpty() || key.trimmed() != key)
        return fail(ErrorCode::Config, u"an --api-key is empty or has blanks around it"_s);
    add(key.toUtf8(), std::move(grant));
    return {};
}

void ApiKeyRing::add(const QByteArray& key, Grant grant)
{
    m_keys.insert_or_assign(key, std::move(grant));
}

const ApiKeyRing::Grant* ApiKeyRing::find(const QByteArray& key) const
{
    if (key.isEmpty())
        return nullptr;
    const auto it = m_keys.find(key);
    return it == m_keys.end() ? nullptr : &it->second;
}

} // namespace pfa::sim
