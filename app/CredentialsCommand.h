#pragma once

#include "CommandLine.h"

namespace pfa::app {

// `pfa-sync credentials set|list|rotate`: organizations' own PEMS URL and API key, the key
// encrypted with the data key (PFA_DATA_KEY_FILE or the systemd credential pfa-data-key). `set`
// reads the API key from standard input; nothing prints it, nor its ciphertext.
// Exit code 0 on success; 2 on bad arguments, a missing DATABASE_URL or no data key configured;
// 1 otherwise (unknown organization, unreadable key file, a row that does not decrypt, database).
int runCredentials(const Invocation& invocation);

} // namespace pfa::app
