#include "TextTable.h"

#include <algorithm>

using namespace Qt::StringLiterals;

namespace pfa::app {

TextTable::TextTable(std::vector<Column> columns)
    : m_columns(std::move(columns))
{}

QString TextTable::printable(const QString& text)
{
    QString line;
    line.reserve(text.size());
    for (const QChar c : text)
        line += c.category() == QChar::Other_Control ? u' ' : c;
    return line;
}

void TextTable::addRow(const QStringList& cells)
{
    QStringList row;
    for (std::size_t i = 0; i < m_columns.size(); ++i) {
        QString cell = printable(cells.value(qsizetype(i)));
        if (cell.size() > m_columns[i].maxWidth)
            cell = cell.left(m_columns[i].maxWidth - 1) + u"…"_s;
        row << cell;
    }
    m_rows.push_back(row);
}

QString TextTable::render() const
{
    std::vector<qsizetype> widths;
    for (const Column& column : m_columns)
        widths.push_back(column.title.size());
    for (const QStringList& row : m_rows) {
        for (std::size_t i = 0; i < widths.size(); ++i)
            widths[i] = std::max(widths[i], row.at(qsizetype(i)).size());
    }
    // QString, not auto: a QStringBuilder would refer to the joined temporary.
    const auto line = [&](const QStringList& cells) -> QString {
        QStringList padded;
        for (std::size_t i = 0; i < widths.size(); ++i) {
            const int width = int(widths[i]);
            const QString& cell = cells.at(qsizetype(i));
            const bool last = i + 1 == widths.size();
            padded << (m_columns[i].align == Align::Right ? cell.rightJustified(width)
                       : last                             ? cell
                                                          : cell.leftJustified(width));
        }
        return padded.join(u"  "_s) + u'\n';
    };
    QStringList titles;
    for (const Column& column : m_columns)
        titles << column.title;
    QString text = line(titles);
    for (const QStringList& row : m_rows)
        text += line(row);
    return text;
}

} // namespace pfa::app
