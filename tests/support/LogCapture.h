#pragma once

#include <QString>
#include <QStringList>
#include <QtGlobal>

namespace pfa::test {

// Collects every log line while it lives, so a test can assert on what was (not) logged — for
// instance that no secret ever reaches a log line.
class LogCapture
{
public:
    LogCapture()
    {
        s_lines = &m_lines;
        m_previous =
            qInstallMessageHandler([](QtMsgType, const QMessageLogContext&,
                                      const QString& message) { s_lines->append(message); });
    }
    ~LogCapture()
    {
        qInstallMessageHandler(m_previous);
        s_lines = nullptr;
    }
    Q_DISABLE_COPY_MOVE(LogCapture)

    [[nodiscard]] const QStringList& lines() const { return m_lines; }

private:
    static inline QStringList* s_lines = nullptr;
    QStringList m_lines;
    QtMessageHandler m_previous = nullptr;
};

} // namespace pfa::test
