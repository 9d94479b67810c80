#pragma once

#include "model/Error.h"

#include <QSqlDatabase>

namespace pfa::db {

// RAII transaction that nests: the outermost one is BEGIN/COMMIT, inner ones are savepoints.
// Repository operations that must be atomic open one, so they are atomic on their own and still
// compose into a caller's larger transaction. Rolls back unless commit() succeeded.
class Transaction final
{
public:
    [[nodiscard]] static Expected<Transaction> begin(const QSqlDatabase& db);

    Transaction(Transaction&& other) noexcept;
    Transaction& operator=(Transaction&&) = delete;
    Transaction(const Transaction&) = delete;
    Transaction& operator=(const Transaction&) = delete;
    ~Transaction();

    [[nodiscard]] Expected<void> commit();
    void rollback();

    [[nodiscard]] const QSqlDatabase& database() const { return m_db; }

private:
    Transaction(QSqlDatabase db, int depth);

    QSqlDatabase m_db;
    int m_depth = 0; // 0 = outermost
    bool m_active = false;
};

} // namespace pfa::db
