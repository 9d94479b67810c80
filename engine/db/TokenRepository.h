#pragma once

#include "model/ApiToken.h"
#include "model/Error.h"
#include "model/OrganizationPermission.h"
#include "model/User.h"

#include <QSqlDatabase>

#include <optional>
#include <vector>

namespace pfa::db {

// A token as issued: the secret is returned this once and never stored.
struct IssuedToken
{
    model::ApiToken token;
    QString secret;
};

// Who a presented token speaks for, with everything authorization needs.
struct TokenOwner
{
    model::ApiToken token;
    model::User user;
    std::vector<model::OrganizationPermission> permissions;
};

// api_token: bearer tokens of the service API, kept as SHA-256 only, so a database dump holds no
// usable token. Issuing and revoking are audited.
class TokenRepository final
{
public:
    explicit TokenRepository(QSqlDatabase db);

    // A new random token (256 bits from the system's CSPRNG) for the user.
    [[nodiscard]] Expected<IssuedToken> issue(qint64 userId, const QString& name,
                                              std::optional<QDateTime> expiresAt,
                                              const QString& actor) const;
    // The owner of a live token with that secret (not revoked, not expired, user active), or
    // nullopt. Records the use (last_used_at, at most once a minute per token).
    [[nodiscard]] Expected<std::optional<TokenOwner>> authenticate(QByteArrayView secret) const;
    [[nodiscard]] Expected<std::vector<model::ApiToken>> list(std::optional<qint64> userId) const;
    [[nodiscard]] Expected<model::ApiToken> revoke(qint64 id, const QString& actor) const;

    [[nodiscard]] static QByteArray hash(QByteArrayView secret);

private:
    QSqlDatabase m_db;
};

} // namespace pfa::db
