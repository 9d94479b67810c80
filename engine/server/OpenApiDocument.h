#pragma once

#include "model/Error.h"

#include <QString>

#include <nlohmann/json.hpp>

namespace pfa::server {

// /api/openapi.json, assembled from the fragments embedded under `directory`: `core.json` holds
// the document's head, the security scheme and the shared schemas; every other fragment the paths
// and schemas of one group of routes (jobs.json, audit.json, …), kept next to the routes they
// describe. A path+method or a schema defined by two fragments is an error rather than a silent
// override, and so is a `$ref` to a schema no fragment defines.
class OpenApiDocument final
{
public:
    [[nodiscard]] static Expected<nlohmann::json> assemble(const QString& directory,
                                                           const QString& version);
};

} // namespace pfa::server
