#include "DemoProgress.h"

#include "Console.h"

using namespace Qt::StringLiterals;

namespace pfa::app {

void DemoProgress::step(const QString& what)
{
    out() << what << u"…"_s << Qt::flush;
    m_step.start();
}

void DemoProgress::done()
{
    out() << " done (" << seconds(m_step.elapsed()) << " s)" << Qt::endl;
}

QString DemoProgress::seconds(qint64 ms)
{
    return QString::number(double(ms) / 1000.0, 'f', 1);
}

} // namespace pfa::app
