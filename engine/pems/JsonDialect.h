#pragma once

#include "pems/PemsDialect.h"

namespace pfa::pems {

// The JSON API of spec/ that pems-sim serves, under <baseUrl>/api/pems:
//   PUT    /pfa/{pfaId}                          {pfaId, organizationCode, changes, version,
//                                                 modifiedBy, changeReason}
//   DELETE /pfa/{pfaId}?organizationCode=&version=
//   GET    /pfa/{pfaId}?organizationCode=
//   GET    /pfa?organizationCode=&updatedSince=&limit=&cursor=
//   GET    /health
// Statuses: 2xx success (a replay carries "Idempotent-Replayed: true"), 409 VERSION_CONFLICT,
// 429 + Retry-After, 401/403, 400 (with fields), 404, 422 and other 4xx permanent, 408 and 5xx
// transient, 3xx permanent (redirects are not followed: the base URL is wrong). A body that the
// outcome needs (2xx, 409) but cannot be read is Transient/MalformedResponse; the error bodies of
// other statuses are optional (their message falls back to the status and a snippet of the body).
// Keys PEMS adds to responses are ignored; unknown keys in a record's data are dropped and listed
// in PemsRecord::unknownFields.
class JsonDialect final : public PemsDialect
{
public:
    JsonDialect() = default;
    ~JsonDialect() override = default;
    Q_DISABLE_COPY_MOVE(JsonDialect)

    [[nodiscard]] QString name() const override;

    [[nodiscard]] Expected<PreparedRequest>
    prepareUpdate(const QUrl& baseUrl, const UpdateRequest& request) const override;
    [[nodiscard]] Expected<PreparedRequest>
    prepareRemove(const QUrl& baseUrl, const RemoveRequest& request) const override;
    [[nodiscard]] Expected<PreparedRequest> prepareGet(const QUrl& baseUrl,
                                                       const RecordKey& key) const override;
    [[nodiscard]] Expected<PreparedRequest> prepareList(const QUrl& baseUrl,
                                                        const ListQuery& query) const override;
    [[nodiscard]] Expected<PreparedRequest> prepareHealth(const QUrl& baseUrl) const override;

    [[nodiscard]] WriteOutcome parseUpdate(const UpdateRequest& request,
                                           const HttpResponse& response) const override;
    [[nodiscard]] WriteOutcome parseRemove(const RemoveRequest& request,
                                           const HttpResponse& response) const override;
    [[nodiscard]] RecordOutcome parseGet(const RecordKey& key,
                                         const HttpResponse& response) const override;
    [[nodiscard]] PageOutcome parseList(const ListQuery& query,
                                        const HttpResponse& response) const override;
    [[nodiscard]] HealthOutcome parseHealth(const HttpResponse& response) const override;
};

} // namespace pfa::pems
