#pragma once

#include <QElapsedTimer>
#include <QString>

namespace pfa::app {

// The demo's "Doing something… done (1.2 s)" lines, shared by its acts.
class DemoProgress final
{
public:
    void step(const QString& what);
    void done();

    [[nodiscard]] static QString seconds(qint64 ms);

private:
    QElapsedTimer m_step;
};

} // namespace pfa::app
