#pragma once

#include "model/Error.h"
#include "pems/HttpResponse.h"
#include "pems/ListQuery.h"
#include "pems/PemsOutcome.h"
#include "pems/PreparedRequest.h"
#include "pems/RecordKey.h"
#include "pems/RemoveRequest.h"
#include "pems/UpdateRequest.h"

#include <QString>
#include <QUrl>
#include <QtGlobal>

namespace pfa::pems {

// The wire format of one kind of PEMS: how each operation becomes an HTTP request, and how a
// complete response becomes an outcome. It knows nothing of sockets, timeouts, authentication or
// logging (PemsClient's job), so it is tested by feeding it bytes, and a new dialect (HxGN EAM's
// screen services) fits without touching the client or the worker.
//
// prepare*: the request for `baseUrl` (PemsConfig::baseUrl, validated); an Error when the request
// cannot be expressed (e.g. an empty pfaId), which the client reports as Permanent without sending.
// parse*: the outcome of a response that arrived whole, given the request it answers (a dialect may
// need it, e.g. for the expected version when its conflict report does not echo it).
// Implementations are stateless or guard their own state: PemsClient calls them from its thread.
class PemsDialect
{
public:
    virtual ~PemsDialect() = default;

    // For logs and diagnostics ("json", "eam").
    [[nodiscard]] virtual QString name() const = 0;

    [[nodiscard]] virtual Expected<PreparedRequest>
    prepareUpdate(const QUrl& baseUrl, const UpdateRequest& request) const = 0;
    [[nodiscard]] virtual Expected<PreparedRequest>
    prepareRemove(const QUrl& baseUrl, const RemoveRequest& request) const = 0;
    [[nodiscard]] virtual Expected<PreparedRequest> prepareGet(const QUrl& baseUrl,
                                                               const RecordKey& key) const = 0;
    [[nodiscard]] virtual Expected<PreparedRequest> prepareList(const QUrl& baseUrl,
                                                                const ListQuery& query) const = 0;
    [[nodiscard]] virtual Expected<PreparedRequest> prepareHealth(const QUrl& baseUrl) const = 0;

    [[nodiscard]] virtual WriteOutcome parseUpdate(const UpdateRequest& request,
                                                   const HttpResponse& response) const = 0;
    [[nodiscard]] virtual WriteOutcome parseRemove(const RemoveRequest& request,
                                                   const HttpResponse& response) const = 0;
    [[nodiscard]] virtual RecordOutcome parseGet(const RecordKey& key,
                                                 const HttpResponse& response) const = 0;
    [[nodiscard]] virtual PageOutcome parseList(const ListQuery& query,
                                                const HttpResponse& response) const = 0;
    // healthy and status; PemsClient fills in latency and httpStatus.
    [[nodiscard]] virtual HealthOutcome parseHealth(const HttpResponse& response) const = 0;

protected:
    PemsDialect() = default;
    Q_DISABLE_COPY_MOVE(PemsDialect)
};

} // namespace pfa::pems
