#include "IdempotencyStore.h"

#include <QHashFunctions>

#include <algorithm>

namespace pfa::sim {

namespace {
// A fixed seed: the same key maps to the same hash for the life of the process whatever
// QHashSeed says.
constexpr std::size_t HashSeed = 0x5eed'1de5;
} // namespace

IdempotencyStore::IdempotencyStore(std::size_t capacity)
    : m_capacity(std::max<std::size_t>(capacity, 1))
{}

quint64 IdempotencyStore::hashOf(QByteArrayView key)
{
    // Two independent 64-bit halves folded, so a weak spot in one seed does not decide alone.
    return quint64{qHash(key, HashSeed)} * 0x9e37'79b9'7f4a'7c15ULL ^
           quint64 { qHash(key, ~HashSeed) };
}

IdempotencyStore::Entry& IdempotencyStore::note(QByteArrayView key)
{
    Entry& found = entry(key);
    ++found.requests;
    return found;
}

IdempotencyStore::Entry& IdempotencyStore::entry(QByteArrayView key)
{
    const quint64 hash = hashOf(key);
    auto [it, inserted] = m_entries.try_emplace(hash);
    if (inserted) {
        m_order.push_back(hash);
        if (m_entries.size() > m_capacity) {
            const quint64 oldest = m_order.front();
            m_order.pop_front();
            m_entries.erase(oldest); // never `it`: the new key is the newest, not the oldest
        }
    }
    return it->second;
}

IdempotencyStore::Entry* IdempotencyStore::find(QByteArrayView key)
{
    const auto it = m_entries.find(hashOf(key));
    return it == m_entries.end() ? nullptr : &it->second;
}

} // namespace pfa::sim
