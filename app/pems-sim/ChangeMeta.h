#pragma once

#include <QString>

namespace pfa::sim {

// Who made a change: the API (a PemsClient), the admin API ("from the PEMS side") or seeding.
enum class ChangeSource : quint8
{
    Seed,
    Api,
    Admin,
};

// What a history entry remembers about a change besides its fields.
struct ChangeMeta
{
    QString modifiedBy;
    QString changeReason;
    ChangeSource source = ChangeSource::Api;
};

} // namespace pfa::sim
