#include "secrets/SecretsLog.h"

namespace pfa::secrets {

// Info and up by default. Nothing logged here ever carries key material: paths and key ids only.
Q_LOGGING_CATEGORY(lcSecrets, "pfa.secrets", QtInfoMsg)

} // namespace pfa::secrets
