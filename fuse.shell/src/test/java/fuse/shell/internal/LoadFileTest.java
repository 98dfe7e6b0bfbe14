package fuse.shell.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.LinkedHashMap;
import java.util.Map;

import org.junit.jupiter.api.Test;

class LoadFileTest {
    private static final String DEFAULT_CFG = """
            # The default mount, created by ./run
            mountpoint=${fuse.default.mountpoint}
            backend=local
            root=${fuse.default.source}
            passthrough=${fuse.default.passthrough}
            """;

    @Test
    void replacesChangedKeysInPlaceAndKeepsTheRest() {
        String edited = LoadFile.edit(DEFAULT_CFG, Map.of("backend", "audit"));
        assertEquals(DEFAULT_CFG.replace("backend=local", "backend=audit"), edited);
    }

    @Test
    void appendsNewKeysAndRemovesNullOnes() {
        Map<String, Object> changes = new LinkedHashMap<>();
        changes.put("policy", "rules");
        changes.put("rules", new String[] {"*.log:java", "size>1M:passthrough"});
        changes.put("passthrough", null);
        assertEquals("""
                # The default mount, created by ./run
                mountpoint=${fuse.default.mountpoint}
                backend=local
                root=${fuse.default.source}
                policy=rules
                rules=*.log:java;size>1M:passthrough
                """, LoadFile.edit(DEFAULT_CFG, changes));
    }

    @Test
    void understandsSeparatorsContinuationsAndDuplicates() {
        String text = "a : 1\nb = long \\\n  value\nb=again\nc 3";
        assertEquals("a : 1\nb=x\nc 3\n", LoadFile.edit(text, Map.of("b", "x")));
        assertEquals("a=2\nb = long \\\n  value\nb=again\nc 3\n", LoadFile.edit(text, Map.of("a", 2)));
    }

    @Test
    void escapesWhatPropertiesFilesCannotHoldPlainly() {
        assertEquals("k=\\ lead\\\\path\\nnext\n", LoadFile.edit("", Map.of("k", " lead\\path\nnext")));
        assertEquals("true", LoadFile.asRead(Boolean.TRUE));
        assertEquals("a;b", LoadFile.asRead(new String[] {"a", "b"}));
    }
}
