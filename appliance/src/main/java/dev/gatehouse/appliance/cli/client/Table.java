package dev.gatehouse.appliance.cli.client;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;

/**
 * Left-aligned text columns separated by two spaces; the last column is not padded. Cells are
 * shown as given, with control characters replaced (a description must not drive the terminal)
 * and null as {@code -}.
 */
final class Table {

    private final List<String[]> rows = new ArrayList<>();

    /** A table with this header row, or none when no header is given (label/value listings). */
    Table(String... header) {
        if (header.length > 0) {
            rows.add(header);
        }
    }

    Table row(Object... cells) {
        String[] r = new String[cells.length];
        for (int i = 0; i < cells.length; i++) {
            r[i] = cells[i] == null ? "-" : cells[i].toString().replaceAll("\\p{Cntrl}", "?");
        }
        rows.add(r);
        return this;
    }

    void print(PrintWriter out) {
        int columns = rows.stream().mapToInt(r -> r.length).max().orElse(0);
        int[] width = new int[columns];
        for (String[] r : rows) {
            for (int i = 0; i < r.length; i++) {
                width[i] = Math.max(width[i], r[i].length());
            }
        }
        for (String[] r : rows) {
            StringBuilder line = new StringBuilder();
            for (int i = 0; i < r.length; i++) {
                line.append(r[i]);
                if (i < r.length - 1) {
                    line.append(" ".repeat(width[i] - r[i].length() + 2));
                }
            }
            out.println(line);
        }
    }
}
