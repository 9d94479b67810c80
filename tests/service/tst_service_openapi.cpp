// /api/openapi.json against the routes the service really serves: every route described, nothing
// described that is not served, every operation with its answers; and the assembler's refusals.

#include "ServiceTestCase.h"

#include "server/OpenApiDocument.h"

#include <QFile>
#include <QRegularExpression>
#include <QTemporaryDir>

using namespace Qt::StringLiterals;

namespace pfa::test {

namespace {

bool writeFile(const QString& path, const nlohmann::json& content)
{
    QFile file(path);
    return file.open(QIODevice::WriteOnly) &&
           file.write(QByteArray::fromStdString(content.dump())) > 0;
}

nlohmann::json core()
{
    return {{"openapi", "3.1.0"},
            {"info", {{"title", "t"}}},
            {"paths", {{"/health", {{"get", {{"responses", nlohmann::json::object()}}}}}}},
            {"components", {{"schemas", {{"Error", {{"type", "object"}}}}}}}};
}

} // namespace

class TstServiceOpenApi : public ServiceTestCase
{
    Q_OBJECT

    nlohmann::json m_document;

private Q_SLOTS:
    void init()
    {
        QVERIFY(setUpService());
        const auto answer = get(u"/api/openapi.json"_s, m_viewerToken);
        QCOMPARE(answer.status, 200);
        m_document = answer.json;
        QVERIFY(m_document.is_object());
    }
    void cleanup() { tearDownService(); }

    void theDocumentNamesThisVersionAndTheBearerScheme()
    {
        QCOMPARE(m_document.value("openapi", std::string()), std::string("3.1.0"));
        QCOMPARE(m_document["info"].value("version", std::string()), std::string(PFA_VERSION));
        QCOMPARE(
            m_document["components"]["securitySchemes"]["bearer"].value("scheme", std::string()),
            std::string("bearer"));
    }

    void everyServedRouteIsDescribedWithItsAccess()
    {
        const auto routes = m_host->api().routes();
        QVERIFY(routes.size() >= 15);
        for (const auto& route : routes) {
            const std::string path = route.pattern.toStdString();
            const std::string method = route.method.toLower().toStdString();
            const QByteArray where = route.method + ' ' + route.pattern.toUtf8();
            QVERIFY2(m_document["paths"].contains(path) &&
                         m_document["paths"][path].contains(method),
                     where.constData());
            const auto& security = m_document["paths"][path][method]["security"];
            QVERIFY2(security.is_array(), where.constData());
            const bool needsToken = route.access != server::ApiServer::Access::Public;
            QVERIFY2(needsToken == !security.empty(), where.constData());
        }
    }

    void nothingIsDescribedThatIsNotServed()
    {
        const auto routes = m_host->api().routes();
        for (const auto& [path, operations] : m_document["paths"].items()) {
            for (const auto& [method, operation] : operations.items()) {
                const QString name =
                    QString::fromStdString(method).toUpper() + u' ' + QString::fromStdString(path);
                // The WebSocket stream is an upgrade, not a route of the HTTP router.
                if (path.starts_with("/ws/"))
                    continue;
                const bool served = std::any_of(routes.begin(), routes.end(), [&](const auto& r) {
                    return r.pattern.toStdString() == path &&
                           r.method.toLower().toStdString() == method;
                });
                QVERIFY2(served, qPrintable(name));
            }
        }
    }

    void everyOperationDescribesItsAnswersAndPathParameters()
    {
        static const QRegularExpression placeholder(u"\\{([A-Za-z]+)\\}"_s);
        for (const auto& [path, operations] : m_document["paths"].items()) {
            for (const auto& [method, operation] : operations.items()) {
                const QByteArray name = QByteArray::fromStdString(method + ' ' + path);
                QVERIFY2(!operation.value("summary", std::string()).empty(), name.constData());
                const auto& responses = operation["responses"];
                QVERIFY2(responses.is_object() && !responses.empty(), name.constData());
                bool success = false;
                for (const auto& [status, answer] : responses.items())
                    success = success || status.starts_with('2') || status == "101";
                QVERIFY2(success, name.constData());
                if (!operation["security"].empty() && !path.starts_with("/ws/"))
                    QVERIFY2(responses.contains("401"), name.constData());
                for (const auto& match : placeholder.globalMatch(QString::fromStdString(path))) {
                    const std::string parameter = match.captured(1).toStdString();
                    const auto& parameters = operation.value("parameters", nlohmann::json::array());
                    const bool declared =
                        std::any_of(parameters.begin(), parameters.end(), [&](const auto& p) {
                            return p.value("name", std::string()) == parameter &&
                                   p.value("in", std::string()) == "path";
                        });
                    QVERIFY2(declared,
                             QByteArray(name + " {" + QByteArray::fromStdString(parameter) + "}")
                                 .constData());
                }
            }
        }
    }

    void theDocumentNeedsAToken()
    {
        const auto anonymous = get(u"/api/openapi.json"_s, {});
        QCOMPARE(anonymous.status, 401);
        QVERIFY(!anonymous.body.contains("paths"));
    }

    void aWrongMethodAnswers405NamingTheMethodsThePathHas()
    {
        const auto onHealth = request("DELETE", u"/health"_s, {});
        QCOMPARE(onHealth.status, 405);
        QCOMPARE(onHealth.header("Allow"), QByteArray("GET"));
        const auto onWriteSync = get(u"/api/pems/write-sync"_s, m_rioToken);
        QCOMPARE(onWriteSync.status, 405);
        QCOMPARE(onWriteSync.header("Allow"), QByteArray("POST"));
        QCOMPARE(request("GET", u"/api/pems/nothing"_s, m_rioToken).status, 404);
    }

    void theAssemblerRefusesAPathDescribedTwice()
    {
        QTemporaryDir dir;
        QVERIFY(writeFile(dir.filePath(u"core.json"_s), core()));
        QVERIFY(writeFile(dir.filePath(u"extra.json"_s),
                          {{"paths", {{"/health", {{"get", {{"summary", "again"}}}}}}}}));
        const auto document = server::OpenApiDocument::assemble(dir.path(), u"1"_s);
        QVERIFY(!document);
        QVERIFY2(document.error().message.contains(u"extra.json"_s) &&
                     document.error().message.contains(u"GET /health"_s),
                 qPrintable(document.error().message));
    }

    void theAssemblerRefusesASchemaDefinedTwiceAndAnUndefinedReference()
    {
        QTemporaryDir dir;
        QVERIFY(writeFile(dir.filePath(u"core.json"_s), core()));
        QVERIFY(writeFile(dir.filePath(u"a.json"_s),
                          {{"components", {{"schemas", {{"Error", {{"type", "string"}}}}}}}}));
        auto document = server::OpenApiDocument::assemble(dir.path(), u"1"_s);
        QVERIFY(!document);
        QVERIFY2(document.error().message.contains(u"schema Error"_s),
                 qPrintable(document.error().message));

        QVERIFY(writeFile(
            dir.filePath(u"a.json"_s),
            {{"paths",
              {{"/x",
                {{"get",
                  {{"responses", {{"200", {{"$ref", "#/components/schemas/Missing"}}}}}}}}}}}}));
        document = server::OpenApiDocument::assemble(dir.path(), u"1"_s);
        QVERIFY(!document);
        QVERIFY2(document.error().message.contains(u"#/components/schemas/Missing"_s),
                 qPrintable(document.error().message));

        QVERIFY(QFile::remove(dir.filePath(u"a.json"_s)));
        document = server::OpenApiDocument::assemble(dir.path(), u"2.5"_s);
        QVERIFY2(document.has_value(), qPrintable(document.error().message));
        QCOMPARE((*document)["info"].value("version", std::string()), std::string("2.5"));
    }
};

} // namespace pfa::test

QTEST_GUILESS_MAIN(pfa::test::TstServiceOpenApi)
#include "tst_service_openapi.moc"
