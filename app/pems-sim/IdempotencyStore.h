#pragma once

#include <QByteArray>
#include <QByteArrayView>
#include <QString>

#include <cstddef>
#include <deque>
#include <unordered_map>
#include <variant>

namespace pfa::sim {

// The Idempotency-Key memory: for each key, how often it was seen and applied, and the first
// response, which a repeated key gets back. Bounded (oldest keys forgotten first) and compact:
// keys are kept as 64-bit hashes (a collision among a million random keys has odds of about
// 1 in 10^7), and a write's 200 is kept as the few values it is built from rather than its text.
class IdempotencyStore final
{
public:
    // A successful write: the reply is rebuilt from these, byte for byte as it was first sent.
    struct AppliedReply
    {
        QString pfaId; // shares the record's string
        qint64 version = 0;
        qint64 updatedAtMs = 0;
        bool deleted = false;
    };
    struct RawReply
    {
        int status = 0;
        QByteArray body;
    };
    using StoredReply = std::variant<std::monostate, AppliedReply, RawReply>;

    struct Entry
    {
        quint32 requests = 0;
        quint32 applications = 0;
        StoredReply reply;
        QString organizationCode; // of the first answer (shared, not copied)
    };

    explicit IdempotencyStore(std::size_t capacity);

    // Counts one request carrying the key and returns its entry (created if new).
    Entry& note(QByteArrayView key);
    // The key's entry, created if new (or forgotten since), without counting a request.
    Entry& entry(QByteArrayView key);
    [[nodiscard]] Entry* find(QByteArrayView key);
    [[nodiscard]] std::size_t size() const { return m_entries.size(); }
    [[nodiscard]] std::size_t capacity() const { return m_capacity; }

private:
    [[nodiscard]] static quint64 hashOf(QByteArrayView key);

    std::size_t m_capacity;
    std::unordered_map<quint64, Entry> m_entries;
    std::deque<quint64> m_order; // insertion order, for eviction
};

} // namespace pfa::sim
