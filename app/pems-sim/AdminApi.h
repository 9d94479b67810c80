#pragma once

#include "SimResponse.h"

#include <QHttpServerRequest>
#include <QStringView>

namespace pfa::sim {

struct SimState;

// The test and demo controls under /__admin (X-Admin-Key): fault plans, edits "from the PEMS
// side", statistics, idempotency counters. Never rate limited, never faulted, not counted.
class AdminApi final
{
public:
    explicit AdminApi(SimState& state);

    [[nodiscard]] SimResponse handle(const QHttpServerRequest& request, QStringView path);

private:
    [[nodiscard]] SimResponse faults(QHttpServerRequest::Method method,
                                     const QHttpServerRequest& request);
    [[nodiscard]] SimResponse record(QHttpServerRequest::Method method,
                                     const QHttpServerRequest& request,
                                     const QString& organizationCode, const QString& pfaId);

    SimState& m_state;
};

} // namespace pfa::sim
