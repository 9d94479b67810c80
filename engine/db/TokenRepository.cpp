#include "db/TokenRepository.h"

#include "db/AuditRepository.h"
#include "db/Sql.h"
#include "db/Transaction.h"

#include <QCryptographicHash>
#include <QRandomGenerator>

#include <array>

using namespace Qt::StringLiterals;

namespace pfa::db {

namespace {

// Recognisable in logs and secret scanners, like GitHub's ghp_ prefix.
constexpr QLatin1StringView SecretPrefix = "pfa_"_L1;

const QString TokenColumns =
    u"t.id, t.user_id, t.name, t.created_at, t.last_used_at, t.expires_at, t.revoked_at"_s;

model::ApiToken tokenFromRow(const QSqlQuery& row, int first = 0)
{
    return {.id = row.value(first).toLongLong(),
            .userId = row.value(first + 1).toLongLong(),
            .name = row.value(first + 2).toString(),
            .createdAt = utc(row.value(first + 3)),
            .lastUsedAt = optionalDateTime(row.value(first + 4)),
            .expiresAt = optionalDateTime(row.value(first + 5)),
            .revokedAt = optionalDateTime(row.value(first + 6))};
}

QString newSecret()
{
    std::array<quint32, 8> words{};
    QRandomGenerator::system()->fillRange(words.data(), words.size());
    const QByteArray bytes(reinterpret_cast<const char*>(words.data()),
                           qsizetype(words.size() * sizeof(quint32)));
    return SecretPrefix + QString::fromLatin1(bytes.toBase64(QByteArray::Base64UrlEncoding |
                                                             QByteArray::OmitTrailingEquals));
}

} // namespace

TokenRepository::TokenRepository(QSqlDatabase db)
    : m_db(std::move(db))
{}

QByteArray TokenRepository::hash(QByteArrayView secret)
{
    return QCryptographicHash::hash(secret, QCryptographicHash::Sha256);
}

Expected<IssuedToken> TokenRepository::issue(qint64 userId, const QString& name,
                                             std::optional<QDateTime> expiresAt,
                                             const QString& actor) const
{
    if (name.trimmed().isEmpty() || name.size() > 200)
        return fail(ErrorCode::InvalidInput, u"a token needs a name of 1 to 200 characters"_s,
                    u"name"_s);
    if (expiresAt && *expiresAt <= QDateTime::currentDateTimeUtc())
        return fail(ErrorCode::InvalidInput, u"the expiry date is in the past"_s, u"expiresAt"_s);
    auto transaction = Transaction::begin(m_db);
    if (!transaction)
        return std::unexpected(transaction.error());
    const QString secret = newSecret();
    auto query = runQuery(m_db, u"issue the API token",
                          u"INSERT INTO api_token AS t (user_id, name, token_sha256, expires_at)"
                          " SELECT u.id, :name, :hash, :expires FROM app_user u WHERE u.id = :user"
                          " RETURNING "_s +
                              TokenColumns,
                          {{"name"_L1, name.trimmed()},
                           {"hash"_L1, hash(secret.toLatin1())},
                           {"expires"_L1, nullableDateTime(expiresAt)},
                           {"user"_L1, userId}});
    if (!query)
        return std::unexpected(query.error());
    if (!query->next())
        return fail(ErrorCode::NotFound, u"user %1 does not exist"_s.arg(userId), u"userId"_s);
    IssuedToken issued{.token = tokenFromRow(*query), .secret = secret};
    auto audited = AuditRepository(m_db).append({.actor = actor,
                                                 .action = u"token.issued"_s,
                                                 .entity = u"api_token"_s,
                                                 .entityId = QString::number(issued.token.id),
                                                 .after = model::toJson(issued.token)});
    if (!audited)
        return std::unexpected(audited.error());
    if (auto committed = transaction->commit(); !committed)
        return std::unexpected(committed.error());
    return issued;
}

Expected<std::optional<TokenOwner>> TokenRepository::authenticate(QByteArrayView secret) const
{
    if (secret.isEmpty())
        return std::optional<TokenOwner>();
    // One round trip: the token, its user and permissions, and the throttled use stamp.
    auto query = runQuery(
        m_db, u"authenticate the API token",
        u"WITH t AS (SELECT * FROM api_token WHERE token_sha256 = :hash AND revoked_at IS NULL"
        "              AND (expires_at IS NULL OR expires_at > now())),"
        " touched AS (UPDATE api_token a SET last_used_at = now() FROM t WHERE a.id = t.id"
        "               AND (t.last_used_at IS NULL"
        "                    OR t.last_used_at < now() - interval '1 minute'))"
        " SELECT "_s +
            TokenColumns +
            u", u.email, u.display_name, COALESCE(u.db_role, ''), u.is_admin,"
            // An administrator may do everything in every organization (DESIGN "Security").
            " COALESCE(CASE WHEN u.is_admin"
            "   THEN (SELECT jsonb_agg(jsonb_build_array(o.id, true, true)) FROM organization o)"
            "   ELSE (SELECT jsonb_agg(jsonb_build_array(p.organization_id, p.perm_sync,"
            "                                            p.perm_resolve))"
            "           FROM user_organization p WHERE p.user_id = u.id) END, '[]')::text"
            " FROM t JOIN app_user u ON u.id = t.user_id WHERE u.active"_s,
        {{"hash"_L1, hash(secret)}});
    if (!query)
        return std::unexpected(query.error());
    if (!query->next())
        return std::optional<TokenOwner>();
    TokenOwner owner{.token = tokenFromRow(*query),
                     .user = {.id = query->value(1).toLongLong(),
                              .email = query->value(7).toString(),
                              .displayName = query->value(8).toString(),
                              .dbRole = query->value(9).toString(),
                              .isAdmin = query->value(10).toBool(),
                              .active = true},
                     .permissions = {}};
    auto permissions = jsonColumn(query->value(11), u"user_organization");
    if (!permissions)
        return std::unexpected(permissions.error());
    for (const auto& row : *permissions)
        owner.permissions.push_back({.organizationId = row.at(0).get<qint64>(),
                                     .permSync = row.at(1).get<bool>(),
                                     .permResolve = row.at(2).get<bool>()});
    return std::optional(std::move(owner));
}

Expected<std::vector<model::ApiToken>> TokenRepository::list(std::optional<qint64> userId) const
{
    auto query = runQuery(m_db, u"list API tokens",
                          u"SELECT "_s + TokenColumns +
                              u" FROM api_token t WHERE (CAST(:user AS bigint) IS NULL"
                              " OR t.user_id = CAST(:user2 AS bigint)) ORDER BY t.id"_s,
                          {{"user"_L1, nullableInt(userId)}, {"user2"_L1, nullableInt(userId)}});
    if (!query)
        return std::unexpected(query.error());
    std::vector<model::ApiToken> tokens;
    while (query->next())
        tokens.push_back(tokenFromRow(*query));
    return tokens;
}

Expected<model::ApiToken> TokenRepository::revoke(qint64 id, const QString& actor) const
{
    auto transaction = Transaction::begin(m_db);
    if (!transaction)
        return std::unexpected(transaction.error());
    auto query = runQuery(m_db, u"revoke the API token",
                          u"UPDATE api_token t SET revoked_at = COALESCE(revoked_at, now())"
                          " WHERE id = :id RETURNING "_s +
                              TokenColumns,
                          {{"id"_L1, id}});
    if (!query)
        return std::unexpected(query.error());
    if (!query->next())
        return fail(ErrorCode::NotFound, u"token %1 does not exist"_s.arg(id), u"id"_s);
    model::ApiToken revoked = tokenFromRow(*query);
    auto audited = AuditRepository(m_db).append({.actor = actor,
                                                 .action = u"token.revoked"_s,
                                                 .entity = u"api_token"_s,
                                                 .entityId = QString::number(id),
                                                 .after = model::toJson(revoked)});
    if (!audited)
        return std::unexpected(audited.error());
    if (auto committed = transaction->commit(); !committed)
        return std::unexpected(committed.error());
    return revoked;
}

} // namespace pfa::db
