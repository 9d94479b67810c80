#pragma once

#include <QString>
#include <QStringList>

#include <vector>

namespace pfa::app {

// The admin commands' human output: columns fitted to their widest cell, numbers right-aligned.
// Cells are shown as plain text on one line: control characters (a terminal escape sequence in
// a PEMS description, a newline in an error) become spaces.
class TextTable final
{
public:
    enum class Align
    {
        Left,
        Right,
    };
    struct Column
    {
        QString title;
        Align align = Align::Left;
        int maxWidth = 60; // longer cells are cut and end in "…"
    };

    explicit TextTable(std::vector<Column> columns);

    void addRow(const QStringList& cells);
    [[nodiscard]] QString render() const;

    // One line of plain text, as a cell shows it.
    [[nodiscard]] static QString printable(const QString& text);

private:
    std::vector<Column> m_columns;
    std::vector<QStringList> m_rows;
};

} // namespace pfa::app
