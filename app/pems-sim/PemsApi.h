#pragma once

#include "ApiKeyRing.h"
#include "RouteKind.h"
#include "SimResponse.h"
#include "WriteOutcome.h"

#include <QByteArray>
#include <QHttpServerRequest>
#include <QStringView>

#include <optional>

namespace pfa::sim {

struct SimState;

// The PEMS JSON API under /api/pems: authentication, then the route. Rate limiting and injected
// faults happen before (SimServer), so everything here is "PEMS answering". Called from every
// server thread: request bodies are read outside the state's mutex, everything that touches the
// state inside it, and a write's replay check, application and stored answer under one hold.
class PemsApi final
{
public:
    explicit PemsApi(SimState& state);

    [[nodiscard]] static RouteKind classify(QHttpServerRequest::Method method, QStringView path);

    [[nodiscard]] SimResponse handle(RouteKind kind, const QHttpServerRequest& request,
                                     QStringView path, const QByteArray& idempotencyKey);

private:
    [[nodiscard]] SimResponse health();
    [[nodiscard]] SimResponse getOne(const QHttpServerRequest& request, const QString& pfaId,
                                     const ApiKeyRing::Grant& grant);
    [[nodiscard]] SimResponse list(const QHttpServerRequest& request,
                                   const ApiKeyRing::Grant& grant);
    [[nodiscard]] SimResponse put(const QHttpServerRequest& request, const QString& pfaId,
                                  const ApiKeyRing::Grant& grant, const QByteArray& key);
    [[nodiscard]] SimResponse remove(const QHttpServerRequest& request, const QString& pfaId,
                                     const ApiKeyRing::Grant& grant, const QByteArray& key);

    // The requests below run under the state's mutex.
    // The stored first answer for a key already used, if any (403 for a key whose first request
    // was for an organization this API key may not access).
    [[nodiscard]] std::optional<SimResponse> replay(const QByteArray& key,
                                                    const ApiKeyRing::Grant& grant);
    // The answer to a write the store decided on; stored under the key (when there is one),
    // counting an application when it was applied.
    [[nodiscard]] SimResponse finishWrite(const QByteArray& key, const QString& organizationCode,
                                          const WriteOutcome& outcome);
    // An answer given before the store was asked (400), stored under the key as it is.
    [[nodiscard]] SimResponse remember(const QByteArray& key, const QString& organizationCode,
                                       SimResponse response);

    SimState& m_state;
};

} // namespace pfa::sim
