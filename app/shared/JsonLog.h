#pragma once

#include <QByteArray>
#include <QDateTime>
#include <QString>
#include <QtGlobal>

namespace pfa::app {

// `--log-format json`: one JSON object per line on stderr, for journald / Loki / Elasticsearch
// pipelines that must not guess where a multi-line message ends.
class JsonLog final
{
public:
    // Replaces Qt's message handler for the whole process (every thread).
    static void install();

    // One line: {"time","level","category","message","pid"} and "\n". The message is data: any
    // quote, newline or invalid UTF-8 in it is escaped, never breaks the line.
    [[nodiscard]] static QByteArray format(QtMsgType type, const char* category,
                                           const QString& message, const QDateTime& time,
                                           qint64 pid);

    [[nodiscard]] static const char* levelName(QtMsgType type);
};

} // namespace pfa::app
