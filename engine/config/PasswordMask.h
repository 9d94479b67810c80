#pragma once

#include <QString>

namespace pfa::config {

// Masks the passwords in a connection URL so that it can be shown: the user-info password
// (scheme://user:password@host...) and any `...password=value` parameter (libpq URI query,
// keyword/value form, `sslpassword`). Each non-empty password becomes "***". Errs on the side
// of masking too much: this is for display, never for connecting. The URL parser lives in
// pfa_db, which this library must not depend on, hence this small helper.
[[nodiscard]] QString maskUrlPassword(const QString& url);

// True if maskUrlPassword() would hide anything.
[[nodiscard]] bool containsUrlPassword(const QString& url);

} // namespace pfa::config
