package fuse.shell.internal;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * The one text formatter of the shell: left-aligned columns under an upper-case header, two spaces apart, no
 * trailing blanks. Numeric columns are right-aligned so that figures line up. Every command prints through this
 * (or through {@link #blocks}), so output looks the same everywhere.
 */
final class Table {
    private final String[] headers;
    private final boolean[] numeric;
    private final List<String[]> rows = new ArrayList<>();

    private Table(String... headers) {
        this.headers = headers.clone();
        this.numeric = new boolean[headers.length];
    }

    static Table of(String... headers) {
        return new Table(headers);
    }

    /** Marks columns whose cells are right-aligned (counts, ids, latencies). */
    Table numeric(int... columns) {
        for (int column : columns) {
            numeric[column] = true;
        }
        return this;
    }

    /** Adds a row; {@code null} cells print as {@code -}. */
    Table row(Object... cells) {
        if (cells.length != headers.length) {
            throw new IllegalArgumentException("expected " + headers.length + " cells, got " + cells.length);
        }
        rows.add(Arrays.stream(cells).map(cell -> cell == null ? "-" : cell.toString()).toArray(String[]::new));
        return this;
    }

    boolean isEmpty() {
        return rows.isEmpty();
    }

    @Override
    public String toString() {
        int[] widths = new int[headers.length];
        for (int i = 0; i < headers.length; i++) {
            widths[i] = headers[i].length();
        }
        for (String[] row : rows) {
            for (int i = 0; i < row.length; i++) {
                widths[i] = Math.max(widths[i], row[i].length());
            }
        }
        StringBuilder out = new StringBuilder();
        append(out, headers, widths);
        for (String[] row : rows) {
            out.append('\n');
            append(out, row, widths);
        }
        return out.toString();
    }

    private void append(StringBuilder out, String[] cells, int[] widths) {
        int start = out.length();
        for (int i = 0; i < cells.length; i++) {
            if (i > 0) {
                out.append("  ");
            }
            int pad = widths[i] - cells[i].length();
            if (numeric[i]) {
                out.repeat(' ', pad).append(cells[i]);
            } else {
                out.append(cells[i]).repeat(' ', pad);
            }
        }
        int end = out.length();
        while (end > start && out.charAt(end - 1) == ' ') {
            end--;
        }
        out.setLength(end);
    }

    /** Joins blocks (tables, sentences) with blank lines, dropping empty ones. */
    static String blocks(Object... blocks) {
        return String.join("\n\n", Arrays.stream(blocks).filter(Objects::nonNull).map(Object::toString)
                .filter(text -> !text.isBlank()).toList());
    }
}
