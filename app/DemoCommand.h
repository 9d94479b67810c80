#pragma once

#include "CommandLine.h"
#include "DemoDecisions.h"
#include "DemoProgress.h"
#include "model/Error.h"
#include "model/FieldValue.h"

#include <QElapsedTimer>
#include <QSqlDatabase>
#include <map>
#include <vector>

namespace pfa::app {

class PemsSimProcess;

// `pfa-sync --demo`: the product's main job with nothing to set up. A private PostgreSQL, the
// schema, realistic sample data, a pems-sim holding the same records, some of them changed or
// deleted on the PEMS side first; then about a thousand committed modifications that the real
// write worker pushes to pems-sim, with a live progress line and a summary table; then the
// decisions that follow (DemoDecisions): conflicts resolved, a record rolled back, PEMS' own
// changes pulled into the mirror and the two reconciled.
class DemoCommand final
{
public:
    explicit DemoCommand(Invocation invocation);
    int run();

private:
    struct DemoRecord
    {
        qint64 organizationId = 0;
        QString organizationCode;
        int index = 0; // position in its organization: decides what the demo does with it
        model::FieldMap data;
    };

    [[nodiscard]] Expected<void> seed(const QSqlDatabase& db);
    [[nodiscard]] Expected<void> writeSeedFile(const QString& path) const;
    [[nodiscard]] Expected<void> editOnPemsSide(PemsSimProcess& sim, int& edited, int& deleted);
    [[nodiscard]] Expected<int> commitModifications(const QSqlDatabase& db);
    [[nodiscard]] Expected<void> syncAndReport(const QSqlDatabase& db, const QString& databaseUrl,
                                               PemsSimProcess& sim, int committed);
    [[nodiscard]] DemoDecisions::Target rollbackTarget() const;
    void step(const QString& what);
    void done();

    Invocation m_invocation;
    std::vector<DemoRecord> m_records;
    qint64 m_plannerId = 0;
    QString m_plannerEmail;
    qint64 m_firstModification = 0;
    QDateTime m_commitStart;
    QElapsedTimer m_total;
    DemoProgress m_progress;
};

} // namespace pfa::app
