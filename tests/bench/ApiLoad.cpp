#include "ApiLoad.h"

#include "ApiServiceProcess.h"
#include "server/ServiceClient.h"

#include <QElapsedTimer>
#include <QEventLoop>
#include <QNetworkAccessManager>
#include <QTimer>

#include <memory>

using namespace Qt::StringLiterals;

namespace pfa::bench {

ApiLoad::ApiLoad(QUrl baseUrl, std::vector<QByteArray> tokens, int clients)
    : m_baseUrl(std::move(baseUrl))
    , m_tokens(std::move(tokens))
    , m_clients(clients)
{}

Expected<LoadFigures> ApiLoad::run(int requests, const Call& call, const ApiServiceProcess& service,
                                   std::chrono::milliseconds timeout)
{
    if (m_tokens.empty() || m_clients < 1)
        return fail(ErrorCode::InvalidInput, u"the load needs a token and a client"_s);
    QObject context;
    std::vector<std::unique_ptr<QNetworkAccessManager>> networks;
    std::vector<std::unique_ptr<server::ServiceClient>> clients;
    for (int i = 0; i < m_clients; ++i) {
        auto endpoint = server::ServiceEndpoint::create(
            m_baseUrl, m_tokens[std::size_t(i) % m_tokens.size()], {}, std::chrono::seconds(60));
        if (!endpoint)
            return std::unexpected(endpoint.error());
        networks.push_back(std::make_unique<QNetworkAccessManager>());
        clients.push_back(
            std::make_unique<server::ServiceClient>(networks.back().get(), std::move(*endpoint)));
    }

    QEventLoop loop;
    QTimer deadline;
    deadline.setSingleShot(true);
    QObject::connect(&deadline, &QTimer::timeout, &loop, &QEventLoop::quit);

    // Warm-up: one request per client opens its connection.
    int warm = 0;
    std::optional<QString> warmFailure;
    for (auto& client : clients) {
        client->health(&context, [&](server::ServiceResult<server::Liveness> answer) {
            if (!answer && !warmFailure)
                warmFailure = answer.error().toString();
            if (++warm == m_clients)
                loop.quit();
        });
    }
    deadline.start(timeout);
    loop.exec();
    if (warm < m_clients)
        return fail(ErrorCode::Io, u"the warm-up requests did not finish in time"_s);
    if (warmFailure)
        return fail(ErrorCode::Io, u"warm-up request failed: "_s + *warmFailure);

    LoadFigures figures;
    auto idle = service.rssMb();
    if (!idle)
        return std::unexpected(idle.error());
    figures.rssIdleMb = *idle;
    figures.rssLoadMb = *idle;
    QTimer sampler;
    QObject::connect(&sampler, &QTimer::timeout, &context, [&] {
        if (auto now = service.rssMb())
            figures.rssLoadMb = std::max(figures.rssLoadMb, *now);
    });
    sampler.start(20);

    figures.latenciesMs.reserve(std::size_t(requests));
    int next = 0;
    int finished = 0;
    QElapsedTimer wall;
    wall.start();
    std::function<void(server::ServiceClient&)> sendNext = [&](server::ServiceClient& client) {
        if (next >= requests)
            return;
        const int index = next++;
        auto clock = std::make_shared<QElapsedTimer>();
        clock->start();
        call(client, index, &context,
             [&, clock, clientPtr = &client](std::optional<server::ServiceError> error) {
                 figures.latenciesMs.push_back(double(clock->nsecsElapsed()) / 1e6);
                 if (error) {
                     ++figures.errors;
                     if (error->httpStatus == 429)
                         ++figures.http429;
                     if (figures.firstError.isEmpty())
                         figures.firstError = error->toString();
                 }
                 if (++finished == requests)
                     loop.quit();
                 else
                     sendNext(*clientPtr);
             });
    };
    for (auto& client : clients)
        sendNext(*client);
    deadline.start(timeout);
    if (requests > 0)
        loop.exec();
    figures.wallSeconds = double(wall.nsecsElapsed()) / 1e9;
    sampler.stop();
    if (auto now = service.rssMb())
        figures.rssLoadMb = std::max(figures.rssLoadMb, *now);
    if (finished < requests)
        return fail(
            ErrorCode::Io,
            u"%1 of %2 requests were answered within %3 s"_s.arg(finished).arg(requests).arg(
                double(timeout.count()) / 1000.0));
    return figures;
}

} // namespace pfa::bench
