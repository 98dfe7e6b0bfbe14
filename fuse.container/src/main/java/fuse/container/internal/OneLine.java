package fuse.container.internal;

/** Formats a log message and its exception chain as one readable line. */
final class OneLine {
    private OneLine() {
    }

    /** {@code message: cause message (root cause message)}, skipping causes that repeat their parent's text. */
    static String of(String message, Throwable exception) {
        StringBuilder line = new StringBuilder(message == null ? "" : message);
        String previous = null;
        for (Throwable t = exception; t != null && t.getCause() != t; t = t.getCause()) {
            String text = t.getMessage() != null ? t.getMessage() : t.getClass().getSimpleName();
            if (previous == null || !previous.contains(text)) {
                line.append(line.isEmpty() ? "" : ": ").append(text);
            }
            previous = text;
        }
        return line.toString();
    }
}
