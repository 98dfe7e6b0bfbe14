package fuse.shell.internal;

import java.util.Locale;

/**
 * How a {@code key=value} argument is stored in a configuration: the type Metatype declares for the key (the mount's
 * own keys, and a backend's settings when it publishes them), or, for a key nobody describes, the type its text
 * looks like.
 *
 * @param kind the value's type
 * @param multiple a list ({@code String[]}…) whose elements the text separates with {@code ','}
 */
record SettingType(Kind kind, boolean multiple) {

    enum Kind {
        STRING, BOOLEAN, INTEGER, LONG, DOUBLE
    }

    static final SettingType STRING = new SettingType(Kind.STRING, false);

    /** The type of a value no Metatype describes: true/false, a whole number, or text. */
    static SettingType guess(String text) {
        String trimmed = text.trim();
        if (trimmed.equalsIgnoreCase("true") || trimmed.equalsIgnoreCase("false")) {
            return new SettingType(Kind.BOOLEAN, false);
        }
        if (trimmed.matches("[+-]?\\d{1,18}")) {
            long value = Long.parseLong(trimmed);
            return new SettingType(value == (int) value ? Kind.INTEGER : Kind.LONG, false);
        }
        return STRING;
    }

    /** The value to store for {@code text}; {@code IllegalArgumentException} names what was expected. */
    Object convert(String text) {
        if (!multiple) {
            return one(text);
        }
        String[] parts = text.isEmpty() ? new String[0] : text.split(",", -1);
        Object array = switch (kind) {
            case STRING -> new String[parts.length];
            case BOOLEAN -> new Boolean[parts.length];
            case INTEGER -> new Integer[parts.length];
            case LONG -> new Long[parts.length];
            case DOUBLE -> new Double[parts.length];
        };
        for (int i = 0; i < parts.length; i++) {
            ((Object[]) array)[i] = one(parts[i].trim());
        }
        return array;
    }

    private Object one(String text) {
        String trimmed = text.trim();
        try {
            return switch (kind) {
                case STRING -> text;
                case BOOLEAN -> switch (trimmed.toLowerCase(Locale.ROOT)) {
                    case "true" -> Boolean.TRUE;
                    case "false" -> Boolean.FALSE;
                    default -> throw new IllegalArgumentException("expected true or false, got '" + text + "'");
                };
                case INTEGER -> Integer.valueOf(trimmed);
                case LONG -> Long.valueOf(trimmed);
                case DOUBLE -> Double.valueOf(trimmed);
            };
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("expected " + describe() + ", got '" + text + "'");
        }
    }

    private String describe() {
        return switch (kind) {
            case INTEGER, LONG -> "a whole number";
            case DOUBLE -> "a number";
            default -> kind.name().toLowerCase(Locale.ROOT);
        };
    }
}
