#include "db/CredentialRepository.h"

#include "db/AuditRepository.h"
#include "db/DbLog.h"
#include "db/Sql.h"
#include "db/Transaction.h"
#include "secrets/CredentialCipher.h"
#include "secrets/Wipe.h"

#include <QUrl>

using namespace Qt::StringLiterals;

namespace pfa::db {

namespace {

constexpr QLatin1StringView Entity{"organization_api_credentials"};

// The row's columns without the ciphertext, as audit entries and listings show them.
nlohmann::json shown(const model::OrganizationCredential& credential)
{
    return {{"pemsUrl", credential.pemsUrl.toStdString()},
            {"keyId", credential.keyId.toStdString()}};
}

Expected<void> checkUrl(const QString& pemsUrl)
{
    const QUrl url(pemsUrl, QUrl::StrictMode);
    const QString scheme = url.scheme();
    if (!url.isValid() || (scheme != u"http"_s && scheme != u"https"_s) || url.host().isEmpty())
        return fail(
            ErrorCode::InvalidInput,
            u"the PEMS URL must be an http:// or https:// URL with a host, not \"%1\""_s.arg(
                url.toDisplayString(QUrl::RemoveUserInfo)),
            u"pemsUrl"_s);
    if (!url.userInfo().isEmpty())
        return fail(ErrorCode::InvalidInput,
                    u"the PEMS URL must not carry a user or password; the API key is read from "
                    "standard input"_s,
                    u"pemsUrl"_s);
    return {};
}

// Why a row does not open, for the operator: the key ids say whether the data key is wrong.
Error openFailure(const model::OrganizationCredential& row, const secrets::CredentialCipher& cipher,
                  const Error& cause)
{
    QString message;
    if (row.keyId != cipher.keyId())
        message = u"the PEMS key of organization %1 was sealed under data key %2, but the data key "
                  "given is %3"_s.arg(row.organizationCode, row.keyId, cipher.keyId());
    else
        message = u"the PEMS key of organization %1 does not open with data key %2: %3"_s.arg(
            row.organizationCode, cipher.keyId(), cause.message);
    return Error{ErrorCode::Validation, message, u"organization_api_credentials"_s, {}};
}

} // namespace

CredentialRepository::CredentialRepository(QSqlDatabase db)
    : m_db(std::move(db))
{}

Expected<model::OrganizationCredential>
CredentialRepository::set(qint64 organizationId, const QString& pemsUrl, QByteArrayView apiKey,
                          const secrets::CredentialCipher& cipher, const QString& actor) const
{
    if (auto valid = checkUrl(pemsUrl); !valid)
        return std::unexpected(valid.error());
    auto sealed = cipher.seal(apiKey, organizationId);
    if (!sealed)
        return std::unexpected(sealed.error());

    auto transaction = Transaction::begin(m_db);
    if (!transaction)
        return std::unexpected(transaction.error());
    auto previous = runQuery(m_db, u"read the organization's PEMS credentials",
                             u"SELECT pems_url, key_id FROM organization_api_credentials"
                             " WHERE organization_id = :org FOR UPDATE"_s,
                             {{"org"_L1, organizationId}});
    if (!previous)
        return std::unexpected(previous.error());
    nlohmann::json before;
    if (previous->next())
        before = {{"pemsUrl", previous->value(0).toString().toStdString()},
                  {"keyId", previous->value(1).toString().toStdString()}};

    // The organization is read in the same statement, so an unknown id writes nothing.
    auto query = runQuery(
        m_db, u"store the organization's PEMS credentials",
        u"WITH o AS (SELECT id, code FROM organization WHERE id = :org),"
        " up AS (INSERT INTO organization_api_credentials"
        "          (organization_id, pems_url, api_key_ciphertext, key_id, updated_at)"
        "        SELECT o.id, :url, :sealed, :key, now() FROM o"
        "        ON CONFLICT (organization_id) DO UPDATE SET pems_url = EXCLUDED.pems_url,"
        "          api_key_ciphertext = EXCLUDED.api_key_ciphertext, key_id = EXCLUDED.key_id,"
        "          updated_at = EXCLUDED.updated_at"
        "        RETURNING organization_id, pems_url, key_id, updated_at)"
        " SELECT up.organization_id, o.code, up.pems_url, up.key_id, up.updated_at"
        " FROM up JOIN o ON o.id = up.organization_id"_s,
        {{"org"_L1, organizationId},
         {"url"_L1, pemsUrl},
         {"sealed"_L1, *sealed},
         {"key"_L1, cipher.keyId()}});
    if (!query)
        return std::unexpected(query.error());
    if (!query->next())
        return fail(ErrorCode::NotFound, u"organization %1 does not exist"_s.arg(organizationId),
                    u"organizationId"_s);
    const model::OrganizationCredential stored{.organizationId = query->value(0).toLongLong(),
                                               .organizationCode = query->value(1).toString(),
                                               .pemsUrl = query->value(2).toString(),
                                               .keyId = query->value(3).toString(),
                                               .updatedAt = utc(query->value(4))};
    auto audited = AuditRepository(m_db).append({.actor = actor,
                                                 .action = u"credentials.set"_s,
                                                 .organizationId = organizationId,
                                                 .entity = QString(Entity),
                                                 .entityId = QString::number(organizationId),
                                                 .before = before,
                                                 .after = shown(stored)});
    if (!audited)
        return std::unexpected(audited.error());
    if (auto committed = transaction->commit(); !committed)
        return std::unexpected(committed.error());
    qCInfo(lcDb).noquote() << "PEMS credentials of organization" << stored.organizationCode
                           << "set by" << actor << "(data key" << stored.keyId + u')';
    return stored;
}

Expected<std::vector<model::OrganizationCredential>> CredentialRepository::list() const
{
    auto query = runQuery(m_db, u"list the PEMS credentials",
                          u"SELECT c.organization_id, o.code, c.pems_url, c.key_id, c.updated_at"
                          " FROM organization_api_credentials c"
                          " JOIN organization o ON o.id = c.organization_id ORDER BY o.code"_s);
    if (!query)
        return std::unexpected(query.error());
    std::vector<model::OrganizationCredential> rows;
    while (query->next())
        rows.push_back({.organizationId = query->value(0).toLongLong(),
                        .organizationCode = query->value(1).toString(),
                        .pemsUrl = query->value(2).toString(),
                        .keyId = query->value(3).toString(),
                        .updatedAt = utc(query->value(4))});
    return rows;
}

Expected<int> CredentialRepository::count() const
{
    auto query = runQuery(m_db, u"count the PEMS credentials",
                          u"SELECT count(*) FROM organization_api_credentials"_s);
    if (!query)
        return std::unexpected(query.error());
    query->next();
    return query->value(0).toInt();
}

Expected<std::vector<OpenedCredential>>
CredentialRepository::select(const QString& where, qint64 organizationId,
                             const secrets::CredentialCipher& cipher) const
{
    auto query = runQuery(m_db, u"read the PEMS credentials",
                          u"SELECT c.organization_id, o.code, c.pems_url, c.key_id, c.updated_at,"
                          " c.api_key_ciphertext FROM organization_api_credentials c"
                          " JOIN organization o ON o.id = c.organization_id "_s +
                              where + u" ORDER BY o.code"_s,
                          {{"org"_L1, organizationId}});
    if (!query)
        return std::unexpected(query.error());
    std::vector<OpenedCredential> rows;
    while (query->next()) {
        OpenedCredential row{.credential = {.organizationId = query->value(0).toLongLong(),
                                            .organizationCode = query->value(1).toString(),
                                            .pemsUrl = query->value(2).toString(),
                                            .keyId = query->value(3).toString(),
                                            .updatedAt = utc(query->value(4))},
                             .apiKey = {}};
        auto plaintext = cipher.open(query->value(5).toByteArray(), row.credential.organizationId);
        if (!plaintext)
            return std::unexpected(openFailure(row.credential, cipher, plaintext.error()));
        row.apiKey = QString::fromUtf8(*plaintext);
        secrets::wipe(*plaintext);
        rows.push_back(std::move(row));
    }
    return rows;
}

Expected<OpenedCredential> CredentialRepository::open(qint64 organizationId,
                                                      const secrets::CredentialCipher& cipher) const
{
    auto rows = select(u"WHERE c.organization_id = :org"_s, organizationId, cipher);
    if (!rows)
        return std::unexpected(rows.error());
    if (rows->empty())
        return fail(ErrorCode::NotFound,
                    u"organization %1 has no PEMS credentials of its own"_s.arg(organizationId),
                    u"organizationId"_s);
    return std::move(rows->front());
}

Expected<std::vector<OpenedCredential>>
CredentialRepository::openAll(const secrets::CredentialCipher& cipher) const
{
    // The parameter is bound but compared with nothing but itself, so every row matches.
    return select(u"WHERE CAST(:org AS bigint) IS NOT NULL"_s, 0, cipher);
}

Expected<CredentialRotation> CredentialRepository::rotate(const secrets::CredentialCipher& current,
                                                          const secrets::CredentialCipher& next,
                                                          const QString& actor) const
{
    if (current.keyId() == next.keyId())
        return fail(ErrorCode::InvalidInput,
                    u"the new data key is the current one (key id %1)"_s.arg(current.keyId()),
                    u"--new-key-file"_s);
    auto transaction = Transaction::begin(m_db);
    if (!transaction)
        return std::unexpected(transaction.error());
    // No `credentials set` may seal a row under the old key while this runs.
    // LOCK cannot be prepared, and takes no input.
    if (auto locked = runStatement(m_db, u"lock the PEMS credentials",
                                   u"LOCK TABLE organization_api_credentials IN EXCLUSIVE MODE"_s);
        !locked)
        return std::unexpected(locked.error());
    auto query = runQuery(m_db, u"read the PEMS credentials",
                          u"SELECT c.organization_id, o.code, c.key_id, c.api_key_ciphertext"
                          " FROM organization_api_credentials c"
                          " JOIN organization o ON o.id = c.organization_id ORDER BY o.code"_s);
    if (!query)
        return std::unexpected(query.error());

    struct Row
    {
        model::OrganizationCredential credential;
        QByteArray sealed;
    };
    std::vector<Row> rows;
    while (query->next())
        rows.push_back({.credential = {.organizationId = query->value(0).toLongLong(),
                                       .organizationCode = query->value(1).toString(),
                                       .keyId = query->value(2).toString()},
                        .sealed = query->value(3).toByteArray()});

    CredentialRotation rotation{.fromKeyId = current.keyId(), .toKeyId = next.keyId()};
    for (const Row& row : rows) {
        const qint64 organization = row.credential.organizationId;
        const bool done = row.credential.keyId == next.keyId();
        const secrets::CredentialCipher& opener = done ? next : current;
        auto plaintext = opener.open(row.sealed, organization);
        if (!plaintext)
            return std::unexpected(openFailure(row.credential, opener, plaintext.error()));
        if (done) {
            secrets::wipe(*plaintext);
            ++rotation.alreadyCurrent;
            continue;
        }
        auto resealed = next.seal(*plaintext, organization);
        secrets::wipe(*plaintext);
        if (!resealed)
            return std::unexpected(resealed.error());
        auto updated = runQuery(
            m_db, u"re-encrypt the PEMS credentials",
            u"UPDATE organization_api_credentials SET api_key_ciphertext ="
            " :sealed, key_id = :key, updated_at = now()"
            " WHERE organization_id = :org"_s,
            {{"sealed"_L1, *resealed}, {"key"_L1, next.keyId()}, {"org"_L1, organization}});
        if (!updated)
            return std::unexpected(updated.error());
        ++rotation.reencrypted;
    }
    auto audited =
        AuditRepository(m_db).append({.actor = actor,
                                      .action = u"credentials.rotated"_s,
                                      .entity = QString(Entity),
                                      .before = {{"keyId", rotation.fromKeyId.toStdString()}},
                                      .after = {{"keyId", rotation.toKeyId.toStdString()}},
                                      .details = {{"reencrypted", rotation.reencrypted},
                                                  {"alreadyCurrent", rotation.alreadyCurrent}}});
    if (!audited)
        return std::unexpected(audited.error());
    if (auto committed = transaction->commit(); !committed)
        return std::unexpected(committed.error());
    qCInfo(lcDb).noquote() << "PEMS credentials re-encrypted by" << actor << "from data key"
                           << rotation.fromKeyId << "to" << rotation.toKeyId << "("
                           << rotation.reencrypted << "rows)";
    return rotation;
}

} // namespace pfa::db
