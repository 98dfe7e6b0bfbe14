package fuse.shell.internal;

import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

import org.osgi.service.cm.Configuration;

/**
 * The {@code .cfg} file in {@code load/} that a configuration came from. FileInstall owns such a configuration:
 * it reads the file again whenever it changes, and FileInstall does not write configurations back to their files
 * in this container ({@code felix.fileinstall.enableConfigSave=false}: its write-back races with its own scanner
 * and can empty the file). So a command changes a file-made mount by editing its file, and removes it by deleting
 * its file.
 *
 * <p>Edits keep the file as the operator wrote it: comments, order and {@code ${...}} placeholders stay; only the
 * lines of changed keys are replaced (new keys are appended). Values are written as plain text, which is how
 * FileInstall reads an untyped file (lists joined with {@code ;}, as the backends read a one-string list). The new
 * content replaces the file in one rename, so FileInstall never sees half of it.
 */
final class LoadFile {
    static final String FILENAME_KEY = "felix.fileinstall.filename";

    private final Path path;

    private LoadFile(Path path) {
        this.path = path;
    }

    /** The file a configuration came from, if FileInstall made it from one that still exists. */
    static Optional<LoadFile> of(Configuration configuration) {
        var properties = configuration.getProperties();
        Object uri = properties == null ? null : properties.get(FILENAME_KEY);
        if (uri == null) {
            return Optional.empty();
        }
        try {
            Path path = Path.of(URI.create(uri.toString()));
            return Files.isRegularFile(path) ? Optional.of(new LoadFile(path)) : Optional.empty();
        } catch (IllegalArgumentException | java.nio.file.FileSystemNotFoundException e) {
            return Optional.empty();
        }
    }

    Path path() {
        return path;
    }

    /** {@code load/<name>}, for messages. */
    String displayName() {
        return path.getParent().getFileName() + "/" + path.getFileName();
    }

    String read() throws IOException {
        return Files.readString(path, StandardCharsets.ISO_8859_1);
    }

    /** Applies {@code changes} ({@code null}: remove the key); answers the text it replaced, for an undo. */
    String update(Map<String, Object> changes) throws IOException {
        String before = read();
        replace(edit(before, changes));
        return before;
    }

    /** Puts {@code text} in place of the file, atomically. */
    void replace(String text) throws IOException {
        // Written beside load/, not in it: FileInstall would pick up a half-written file there.
        Path tmp = Files.createTempFile(path.getParent().getParent(), "." + path.getFileName(), ".tmp");
        try {
            Files.writeString(tmp, text, StandardCharsets.ISO_8859_1);
            Files.move(tmp, path, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    void delete() throws IOException {
        Files.deleteIfExists(path);
    }

    /** The value as FileInstall will hand it to ConfigAdmin after reading the edited (untyped) file. */
    static Object asRead(Object value) {
        return value == null ? null : text(value);
    }

    /** The file's text with {@code changes} applied. Package-private for tests. */
    static String edit(String text, Map<String, Object> changes) {
        Map<String, Object> pending = new LinkedHashMap<>(changes);
        Set<String> seen = new HashSet<>();
        List<String> out = new ArrayList<>();
        List<String> lines = Arrays.asList(text.split("\n", -1));
        for (int i = 0; i < lines.size(); i++) {
            // A logical line runs on while a physical line ends in an odd number of backslashes.
            List<String> logical = new ArrayList<>(List.of(lines.get(i)));
            while (continues(lines.get(i)) && i + 1 < lines.size()) {
                logical.add(lines.get(++i));
            }
            String key = key(logical.getFirst());
            if (key == null || !changes.containsKey(key)) {
                out.addAll(logical);
                continue;
            }
            if (seen.add(key) && pending.get(key) != null) {
                out.add(escapeKey(key) + "=" + escapeValue(text(pending.get(key))));
            }
            pending.remove(key);
        }
        // text.split keeps a last empty element for a trailing newline: new keys go before it.
        boolean trailingNewline = !out.isEmpty() && out.getLast().isEmpty();
        if (trailingNewline) {
            out.removeLast();
        }
        pending.forEach((key, value) -> {
            if (value != null) {
                out.add(escapeKey(key) + "=" + escapeValue(text(value)));
            }
        });
        return String.join("\n", out) + "\n";
    }

    private static String text(Object value) {
        if (value instanceof Object[] array) {
            return Arrays.stream(array).map(String::valueOf).collect(Collectors.joining(";"));
        }
        return String.valueOf(value);
    }

    private static boolean continues(String line) {
        int backslashes = 0;
        for (int i = line.length() - 1; i >= 0 && line.charAt(i) == '\\'; i--) {
            backslashes++;
        }
        return backslashes % 2 == 1;
    }

    /** The key of a properties line, or {@code null} for a blank or comment line. */
    private static String key(String line) {
        String trimmed = line.stripLeading();
        if (trimmed.isEmpty() || trimmed.startsWith("#") || trimmed.startsWith("!")) {
            return null;
        }
        StringBuilder key = new StringBuilder();
        for (int i = 0; i < trimmed.length(); i++) {
            char c = trimmed.charAt(i);
            if (c == '\\' && i + 1 < trimmed.length()) {
                key.append(trimmed.charAt(++i));
            } else if (c == '=' || c == ':' || Character.isWhitespace(c)) {
                break;
            } else {
                key.append(c);
            }
        }
        return key.toString();
    }

    private static String escapeKey(String key) {
        return key.replace("\\", "\\\\").replace("=", "\\=").replace(":", "\\:").replace(" ", "\\ ");
    }

    private static String escapeValue(String value) {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            switch (c) {
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                case ' ' -> out.append(i == 0 ? "\\ " : " ");
                default -> out.append(c);
            }
        }
        return out.toString();
    }
}
