#pragma once

#include "CommandLine.h"
#include "model/Error.h"

#include <QElapsedTimer>
#include <QSqlDatabase>

namespace pfa::app {

// `pfa-sync --demo`: a private PostgreSQL cluster, the schema, realistic sample data and a
// summary — everything a newcomer needs to see the product without any setup.
class DemoCommand final
{
public:
    explicit DemoCommand(Invocation invocation);
    int run();

private:
    [[nodiscard]] Expected<void> seed(const QSqlDatabase& db) const;
    [[nodiscard]] Expected<void> printSummary(const QSqlDatabase& db) const;
    void step(const QString& what);
    void done();

    Invocation m_invocation;
    QElapsedTimer m_total;
    QElapsedTimer m_step;
};

} // namespace pfa::app
