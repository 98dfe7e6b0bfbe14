package fuse.shell.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

import org.junit.jupiter.api.Test;

class SettingArgumentsTest {
    private static final Function<String, Optional<SettingType>> UNDESCRIBED = key -> Optional.empty();

    @Test
    void guessesTypesOfUndescribedKeys() {
        Map<String, Object> settings = SettingArguments.parse(new String[] {"root=/srv/data", "allow_other=true",
            "threads=4", "big=12345678901", "passthrough=FALSE", "lowerdir=/a,/b", "empty="}, UNDESCRIBED);
        assertEquals("/srv/data", settings.get("root"));
        assertEquals(Boolean.TRUE, settings.get("allow_other"));
        assertEquals(4, settings.get("threads"));
        assertEquals(12345678901L, settings.get("big"));
        assertEquals(Boolean.FALSE, settings.get("passthrough"));
        assertEquals("/a,/b", settings.get("lowerdir"), "an undescribed key is not split");
        assertEquals("", settings.get("empty"));
    }

    @Test
    void followsDeclaredTypes() {
        Map<String, SettingType> declared = Map.of(
                "threads", new SettingType(SettingType.Kind.INTEGER, false),
                "entry_timeout", new SettingType(SettingType.Kind.DOUBLE, false),
                "root", SettingType.STRING,
                "rules", new SettingType(SettingType.Kind.STRING, true));
        Map<String, Object> settings = SettingArguments.parse(new String[] {"threads=2", "entry_timeout=1.5",
            "root=123", "rules=*.log:java, *:passthrough"}, key -> Optional.ofNullable(declared.get(key)));
        assertEquals(2, settings.get("threads"));
        assertEquals(1.5, settings.get("entry_timeout"));
        assertEquals("123", settings.get("root"), "a declared string stays a string");
        assertArrayEquals(new String[] {"*.log:java", "*:passthrough"}, (String[]) settings.get("rules"));
    }

    @Test
    void badValuesNameTheKey() {
        var error = assertThrows(IllegalArgumentException.class, () -> SettingArguments.parse(
                new String[] {"threads=many"},
                key -> Optional.of(new SettingType(SettingType.Kind.INTEGER, false))));
        assertEquals("threads: expected a whole number, got 'many'", error.getMessage());
        error = assertThrows(IllegalArgumentException.class, () -> SettingArguments.parse(
                new String[] {"allow_other=maybe"},
                key -> Optional.of(new SettingType(SettingType.Kind.BOOLEAN, false))));
        assertEquals("allow_other: expected true or false, got 'maybe'", error.getMessage());
    }

    @Test
    void refusesMalformedDuplicateAndReservedKeys() {
        assertMessage("expected key=value, got 'root'", "root");
        assertMessage("expected key=value, got '=x'", "=x");
        assertMessage("root is given twice", "root=/a", "root=/b");
        assertMessage("mountpoint is an argument of its own, not a key=value setting", "mountpoint=/x");
        assertMessage("service.pid is managed by the framework and cannot be set", "service.pid=x");
    }

    @Test
    void keepsEqualsSignsInValues() {
        assertEquals("a=b", SettingArguments.parse(new String[] {"opt=a=b"}, UNDESCRIBED).get("opt"));
    }

    private static void assertMessage(String expected, String... arguments) {
        var error = assertThrows(IllegalArgumentException.class, () -> SettingArguments.parse(arguments,
                UNDESCRIBED));
        assertEquals(expected, error.getMessage());
        assertTrue(!error.getMessage().contains("\n"));
    }
}
