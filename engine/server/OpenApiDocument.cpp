#include "server/OpenApiDocument.h"

#include <QDir>
#include <QFile>

using namespace Qt::StringLiterals;

namespace pfa::server {

namespace {

constexpr auto CoreFragment = "core.json"_L1;
constexpr std::string_view SchemaPrefix = "#/components/schemas/";

Expected<nlohmann::json> readFragment(const QString& path)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return fail(ErrorCode::Io, u"cannot read the OpenAPI fragment %1"_s.arg(path));
    auto fragment = nlohmann::json::parse(file.readAll().toStdString(), nullptr, false);
    if (!fragment.is_object())
        return fail(ErrorCode::Internal,
                    u"the OpenAPI fragment %1 is not a JSON object"_s.arg(path));
    return fragment;
}

// Every "$ref" below `node` that names a schema missing from `schemas`.
void findDanglingRefs(const nlohmann::json& node, const nlohmann::json& schemas,
                      QStringList& dangling)
{
    if (node.is_object()) {
        for (const auto& [key, value] : node.items()) {
            if (key == "$ref" && value.is_string()) {
                const auto& target = value.get_ref<const std::string&>();
                if (!target.starts_with(SchemaPrefix) ||
                    !schemas.contains(target.substr(SchemaPrefix.size())))
                    dangling.append(QString::fromStdString(target));
            } else {
                findDanglingRefs(value, schemas, dangling);
            }
        }
    } else if (node.is_array()) {
        for (const auto& value : node)
            findDanglingRefs(value, schemas, dangling);
    }
}

} // namespace

Expected<nlohmann::json> OpenApiDocument::assemble(const QString& directory, const QString& version)
{
    const QDir dir(directory);
    auto document = readFragment(dir.filePath(CoreFragment));
    if (!document)
        return document;
    (*document)["info"]["version"] = version.toStdString();
    auto& paths = (*document)["paths"];
    auto& schemas = (*document)["components"]["schemas"];

    // Sorted, so the document is the same on every start.
    const QStringList names = dir.entryList({u"*.json"_s}, QDir::Files, QDir::Name);
    for (const QString& name : names) {
        if (name == CoreFragment)
            continue;
        auto fragment = readFragment(dir.filePath(name));
        if (!fragment)
            return fragment;
        for (const auto& [path, operations] : (*fragment)["paths"].items()) {
            for (const auto& [method, operation] : operations.items()) {
                if (paths.contains(path) && paths[path].contains(method))
                    return fail(ErrorCode::Internal,
                                u"OpenAPI fragment %1 describes %2 %3 again"_s.arg(
                                    name, QString::fromStdString(method).toUpper(),
                                    QString::fromStdString(path)));
                paths[path][method] = operation;
            }
        }
        for (const auto& [schema, definition] : (*fragment)["components"]["schemas"].items()) {
            if (schemas.contains(schema))
                return fail(ErrorCode::Internal,
                            u"OpenAPI fragment %1 defines the schema %2 again"_s.arg(
                                name, QString::fromStdString(schema)));
            schemas[schema] = definition;
        }
    }

    QStringList dangling;
    findDanglingRefs(*document, schemas, dangling);
    if (!dangling.isEmpty()) {
        dangling.removeDuplicates();
        return fail(
            ErrorCode::Internal,
            u"the OpenAPI document refers to undefined schemas: %1"_s.arg(dangling.join(u", "_s)));
    }
    return document;
}

} // namespace pfa::server
