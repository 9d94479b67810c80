#include "JsonLog.h"

#include <QCoreApplication>
#include <QMutex>

#include <nlohmann/json.hpp>

#include <cstdio>
#include <cstdlib>

namespace pfa::app {

namespace {

QMutex& writeLock()
{
    static QMutex lock;
    return lock;
}

void handleMessage(QtMsgType type, const QMessageLogContext& context, const QString& message)
{
    const QByteArray line =
        JsonLog::format(type, context.category, message, QDateTime::currentDateTimeUtc(),
                        QCoreApplication::applicationPid());
    {
        // Lines from several threads must not interleave.
        const QMutexLocker locker(&writeLock());
        std::fwrite(line.constData(), 1, size_t(line.size()), stderr);
        std::fflush(stderr);
    }
    if (type == QtFatalMsg)
        std::abort();
}

} // namespace

void JsonLog::install()
{
    qInstallMessageHandler(handleMessage);
}

const char* JsonLog::levelName(QtMsgType type)
{
    switch (type) {
    case QtDebugMsg:
        return "debug";
    case QtInfoMsg:
        return "info";
    case QtWarningMsg:
        return "warning";
    case QtCriticalMsg:
        return "critical";
    case QtFatalMsg:
        return "fatal";
    }
    return "unknown";
}

QByteArray JsonLog::format(QtMsgType type, const char* category, const QString& message,
                           const QDateTime& time, qint64 pid)
{
    const nlohmann::json line{
        {"time", time.toUTC().toString(Qt::ISODateWithMs).toStdString()},
        {"level", levelName(type)},
        {"category", category ? category : "default"},
        {"message", message.toStdString()},
        {"pid", pid},
    };
    // replace: a message is never lost for holding bytes that are not UTF-8.
    QByteArray text = QByteArray::fromStdString(
        line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
    text.append('\n');
    return text;
}

} // namespace pfa::app
