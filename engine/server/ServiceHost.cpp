#include "server/ServiceHost.h"

#include "db/Database.h"
#include "server/AuditRoutes.h"
#include "server/ConflictRoutes.h"
#include "server/EventRelay.h"
#include "server/HealthRoutes.h"
#include "server/JobRoutes.h"
#include "server/MetricsRoute.h"
#include "server/OpenApiRoute.h"
#include "server/QueueRoutes.h"
#include "server/RecordRoutes.h"
#include "server/ServerLog.h"
#include "server/SyncRoutes.h"
#include "sync/EventBus.h"
#include "sync/WriteSyncEngine.h"

#include <QFile>
#include <QSslCertificate>
#include <QSslKey>
#include <QTcpServer>

using namespace Qt::StringLiterals;

namespace pfa::server {

ServiceHost::ServiceHost(db::Database& database, ServiceConfig config, QObject* parent)
    : QObject(parent)
    , m_database(database)
    , m_config(std::move(config))
{
    if (m_config.worker) {
        m_engine = std::make_unique<sync::WriteSyncEngine>(m_database, *m_config.worker);
        connect(m_engine.get(), &sync::WriteSyncEngine::startFailed, this,
                &ServiceHost::workerFailed);
        connect(m_engine.get(), &sync::WriteSyncEngine::stopped, this, [this] {
            if (m_stopping)
                Q_EMIT stopped();
        });
    }
    m_server = std::make_unique<ApiServer>(m_database, m_config.api);
    m_metrics = std::make_unique<MetricsRoute>(m_database, m_engine ? m_engine->metrics() : nullptr,
                                               m_config.rateLimit);
    m_metrics->install(*m_server);
    m_server->setObserver([this](const QString& route, int status, double seconds) {
        m_metrics->observeRequest(route, status, seconds);
    });
    m_syncRoutes = std::make_unique<SyncRoutes>(m_database, m_engine.get(),
                                                m_config.worker.value_or(m_config.status));
    m_syncRoutes->install(*m_server);
    m_conflictRoutes = std::make_unique<ConflictRoutes>(m_database);
    m_conflictRoutes->install(*m_server);
    m_jobRoutes = std::make_unique<JobRoutes>(m_database);
    m_jobRoutes->install(*m_server);
    m_auditRoutes = std::make_unique<AuditRoutes>(m_database);
    m_auditRoutes->install(*m_server);
    m_queueRoutes = std::make_unique<QueueRoutes>(m_database);
    m_queueRoutes->install(*m_server);
    m_recordRoutes = std::make_unique<RecordRoutes>(m_database);
    m_recordRoutes->install(*m_server);
    m_healthRoutes = std::make_unique<HealthRoutes>(m_database, m_engine.get(), m_config.pems,
                                                    m_config.healthProbeInterval);
    m_healthRoutes->install(*m_server);
    m_openApi = std::make_unique<OpenApiRoute>();
    m_openApi->install(*m_server);
    m_events = std::make_unique<sync::EventBus>(m_database);
    m_relay = std::make_unique<EventRelay>(*m_server, m_config.maxEventBufferBytes);
    connect(m_events.get(), &sync::EventBus::eventReceived, m_relay.get(), &EventRelay::relay);
}

ServiceHost::~ServiceHost()
{
    m_events->stop();
}

bool ServiceHost::tls() const
{
    return !m_config.tlsCertificateFile.isEmpty();
}

Expected<void> ServiceHost::setUpTls()
{
    if (m_config.tlsCertificateFile.isEmpty() != m_config.tlsKeyFile.isEmpty())
        return fail(ErrorCode::Config,
                    u"HTTPS needs both SERVICE_TLS_CERT and SERVICE_TLS_KEY, or neither"_s,
                    m_config.tlsKeyFile.isEmpty() ? u"SERVICE_TLS_KEY"_s : u"SERVICE_TLS_CERT"_s);
    if (m_config.tlsCertificateFile.isEmpty())
        return {};
    QFile certificateFile(m_config.tlsCertificateFile);
    if (!certificateFile.open(QIODevice::ReadOnly))
        return fail(ErrorCode::Config,
                    u"cannot read the TLS certificate %1: %2"_s.arg(m_config.tlsCertificateFile,
                                                                    certificateFile.errorString()),
                    u"SERVICE_TLS_CERT"_s);
    const QList<QSslCertificate> chain = QSslCertificate::fromDevice(&certificateFile);
    if (chain.isEmpty())
        return fail(ErrorCode::Config,
                    u"%1 holds no PEM certificate"_s.arg(m_config.tlsCertificateFile),
                    u"SERVICE_TLS_CERT"_s);
    QFile keyFile(m_config.tlsKeyFile);
    if (!keyFile.open(QIODevice::ReadOnly))
        return fail(
            ErrorCode::Config,
            u"cannot read the TLS key %1: %2"_s.arg(m_config.tlsKeyFile, keyFile.errorString()),
            u"SERVICE_TLS_KEY"_s);
    QSslKey key(&keyFile, QSsl::Rsa, QSsl::Pem);
    if (key.isNull()) {
        keyFile.seek(0);
        key = QSslKey(&keyFile, QSsl::Ec, QSsl::Pem);
    }
    if (key.isNull())
        return fail(ErrorCode::Config,
                    u"%1 holds no unencrypted PEM RSA or EC private key"_s.arg(m_config.tlsKeyFile),
                    u"SERVICE_TLS_KEY"_s);
    QSslConfiguration configuration = QSslConfiguration::defaultConfiguration();
    configuration.setLocalCertificateChain(chain);
    configuration.setPrivateKey(key);
    configuration.setProtocol(QSsl::TlsV1_2OrLater);
    m_server->sslSetup(configuration);
    return {};
}

Expected<void> ServiceHost::start()
{
    if (auto tlsReady = setUpTls(); !tlsReady)
        return tlsReady;
    m_port = m_server->listen(m_config.address, m_config.port);
    if (m_port == 0)
        return fail(ErrorCode::Io,
                    u"cannot listen on %1:%2 (in use, or not an address of this machine)"_s
                        .arg(m_config.address.toString())
                        .arg(m_config.port),
                    u"SERVICE_PORT"_s);
    if (auto subscribed = m_events->start(); !subscribed)
        return subscribed;
    if (m_engine)
        m_engine->start();
    qCInfo(lcServer).noquote() << "service listening on" << m_config.address.toString() << m_port
                               << (tls() ? "(HTTPS)" : "(HTTP)");
    return {};
}

void ServiceHost::stop()
{
    if (m_stopping)
        return;
    m_stopping = true;
    // No new connections; requests already read are answered by this thread's event loop.
    for (QTcpServer* listener : m_server->servers())
        listener->close();
    if (m_engine && m_engine->isRunning())
        m_engine->stop();
    else
        QMetaObject::invokeMethod(this, &ServiceHost::stopped, Qt::QueuedConnection);
}

} // namespace pfa::server
