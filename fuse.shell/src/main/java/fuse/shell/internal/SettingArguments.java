package fuse.shell.internal;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;

/**
 * {@code key=value} arguments turned into configuration properties, typed through Metatype where a key is
 * described ({@link SettingType}). A key that names what the command takes as an argument (the mountpoint, the
 * backend) or that ConfigAdmin owns is refused, as is a key given twice.
 */
final class SettingArguments {
    /** Keys that are not settings: given as arguments, or owned by ConfigAdmin, DS or FileInstall. */
    static final Set<String> RESERVED = Set.of("mountpoint", "backend", "service.pid", "service.factoryPid",
            "service.bundleLocation", "felix.fileinstall.filename", "component.name", "component.id",
            "service.id", "objectClass");

    private SettingArguments() {
    }

    /**
     * @param types the declared type of a key, if any
     * @throws IllegalArgumentException with a one-line reason naming the argument
     */
    static Map<String, Object> parse(String[] arguments, Function<String, Optional<SettingType>> types) {
        Map<String, Object> settings = new LinkedHashMap<>();
        for (String argument : arguments) {
            int eq = argument.indexOf('=');
            if (eq <= 0) {
                throw new IllegalArgumentException("expected key=value, got '" + argument + "'");
            }
            String key = argument.substring(0, eq).trim();
            String text = argument.substring(eq + 1);
            if (key.isEmpty() || key.chars().anyMatch(Character::isWhitespace)) {
                throw new IllegalArgumentException("not a valid key: '" + argument.substring(0, eq) + "'");
            }
            if (RESERVED.contains(key)) {
                throw new IllegalArgumentException(key.equals("mountpoint") || key.equals("backend")
                        ? key + " is an argument of its own, not a key=value setting"
                        : key + " is managed by the framework and cannot be set");
            }
            if (settings.containsKey(key)) {
                throw new IllegalArgumentException(key + " is given twice");
            }
            SettingType type = types.apply(key).orElseGet(() -> SettingType.guess(text));
            try {
                settings.put(key, type.convert(text));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(key + ": " + e.getMessage());
            }
        }
        return settings;
    }
}
