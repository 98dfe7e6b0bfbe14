package fuse.api.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import fuse.api.Errno;
import fuse.api.FuseException;
import fuse.api.policy.PassthroughPolicy.OpenRequest;

class PassthroughPolicyTest {

    private static PassthroughPolicy rules(String... rules) {
        return PassthroughPolicy.parse("rules", List.of(rules));
    }

    private static OpenRequest open(String path, long size, boolean write) {
        int slash = path.lastIndexOf('/');
        return new OpenRequest(path.substring(slash + 1), path, size, write);
    }

    private static String error(String policy, String... rules) {
        return assertThrows(IllegalArgumentException.class, () -> PassthroughPolicy.parse(policy, List.of(rules)))
                .getMessage();
    }

    @Test
    void alwaysIsTheDefaultAndNeverServesEverything() {
        assertSame(PassthroughPolicy.ALWAYS, PassthroughPolicy.parse(null, List.of()));
        assertSame(PassthroughPolicy.ALWAYS, PassthroughPolicy.parse(" Always ", List.of()));
        assertSame(PassthroughPolicy.NEVER, PassthroughPolicy.parse("never", List.of()));
        assertTrue(PassthroughPolicy.ALWAYS.passthrough(open("a.log", 0, true)));
        assertFalse(PassthroughPolicy.NEVER.passthrough(open("a.bin", 1 << 30, false)));
        assertFalse(PassthroughPolicy.ALWAYS.needsPath());
    }

    @Test
    void firstMatchingRuleDecidesAndUnmatchedOpensPassThrough() {
        PassthroughPolicy policy = rules("*.log:java", "size>1M & read:passthrough", "write:java", "*.tmp:passthrough");
        assertFalse(policy.passthrough(open("var/app.log", 10 << 20, false)), "*.log wins, being first");
        assertTrue(policy.passthrough(open("data.bin", 2 << 20, false)));
        assertFalse(policy.passthrough(open("data.bin", 2 << 20, true)), "big but written: write:java");
        assertFalse(policy.passthrough(open("small.bin", 100, true)));
        assertTrue(policy.passthrough(open("small.bin", 100, false)), "no rule matches: passes through");
        assertTrue(policy.needsPath());
    }

    @Test
    void sizeComparisonsAndUnits() {
        PassthroughPolicy policy = rules("size>=1K & size<=4K:java");
        assertTrue(policy.passthrough(open("f", 1023, false)));
        assertFalse(policy.passthrough(open("f", 1024, false)));
        assertFalse(policy.passthrough(open("f", 4096, false)));
        assertTrue(policy.passthrough(open("f", 4097, false)));
        assertFalse(policy.needsPath(), "size rules need no readlink");
        assertFalse(rules("size>2G:java").passthrough(open("f", (2L << 30) + 1, false)));
        assertTrue(rules("size>2G:java").passthrough(open("f", 2L << 30, false)));
        assertFalse(rules("size<1t:java").passthrough(open("f", 5L << 30, false)));
        assertFalse(rules("size < 10 : java").passthrough(open("f", 9, false)));
    }

    @Test
    void globsMatchTheNameOrWithASlashThePathBelowTheRoot() {
        PassthroughPolicy policy = rules("logs/**:java", "cache/*.tmp:java", "{a,b}?.dat:java", "*:passthrough");
        assertFalse(policy.passthrough(open("logs/2024/x.txt", 0, false)));
        assertFalse(policy.passthrough(open("cache/x.tmp", 0, false)));
        assertTrue(policy.passthrough(open("cache/deeper/x.tmp", 0, false)), "* does not cross '/'");
        assertTrue(policy.passthrough(open("other/x.tmp", 0, false)));
        assertFalse(policy.passthrough(open("deep/dir/a1.dat", 0, false)), "name glob matches at any depth");
        assertTrue(policy.passthrough(open("c1.dat", 0, false)));
        assertFalse(rules("*:java").needsPath(), "* alone matches without a path");
        assertFalse(rules("*:java").passthrough(open("anything", 0, true)));
        assertFalse(rules("sizes.txt:java").passthrough(open("sizes.txt", 0, false)), "a glob, not a size");
    }

    @Test
    void errorsNameTheSettingAndTheRule() {
        assertEquals("policy: expected always, never or rules, got 'sometimes'", error("sometimes"));
        assertEquals("rules: policy=rules needs at least one rule, e.g. \"*.log:java\"", error("rules"));
        assertEquals("rules: only used with policy=rules, but policy=always", error("always", "*:java"));
        assertEquals("rules[1]: 'size>1X:java': bad size condition 'size>1X', expected size>N, size>=N, size<N "
                + "or size<=N with N like 4096, 64K, 1M, 2G", error("rules", "*.log:java", "size>1X:java"));
        assertEquals("rules[0]: '*.log': expected conditions:decision, e.g. \"*.log:java\"", error("rules", "*.log"));
        assertEquals("rules[0]: '*.log:kernel': decision must be passthrough or java, got 'kernel'",
                error("rules", "*.log:kernel"));
        assertEquals("rules[0]: ':java': no condition before ':' (use * to match every file)", error("rules", ":java"));
        assertEquals("rules[0]: 'read & :java': empty condition around '&'", error("rules", "read & :java"));
        assertTrue(error("rules", "[a-:java").startsWith("rules[0]: '[a-:java': bad glob '[a-': "));
        assertTrue(error("rules", "size>99999999999999999999:java").contains("size too large"));
        assertTrue(error("rules", "size>9999999999T:java").contains("size too large"));
    }

    @Test
    void settingsAcceptRulesAsArraysListsOrOneString() throws FuseException {
        PassthroughPolicy fromArray = PassthroughPolicy.fromConfiguration(Map.of("policy", "rules", "rules",
                new String[] {"*.log:java", "write:java"}));
        PassthroughPolicy fromList = PassthroughPolicy.fromConfiguration(Map.of("policy", "rules", "rules",
                List.of("*.log:java", "write:java")));
        PassthroughPolicy fromString = PassthroughPolicy.fromConfiguration(Map.of("policy", "rules", "rules",
                "*.log:java; write:java\n"));
        assertEquals(fromArray.toString(), fromList.toString());
        assertEquals(fromArray.toString(), fromString.toString());
        assertEquals("rules[*.log:java, write:java]", fromString.toString());
        assertSame(PassthroughPolicy.ALWAYS, PassthroughPolicy.fromConfiguration(Map.of("root", "/tmp")));
    }

    @Test
    void settingsErrorsAreEinvalNamingTheSetting() {
        assertEquals("policy: expected always, never or rules, got Boolean true",
                settingsError(Map.of("root", "/tmp", "policy", true)));
        assertEquals("rules: expected a list of rule strings, got Integer 3",
                settingsError(Map.of("root", "/tmp", "policy", "rules", "rules", 3)));
        assertEquals("rules: expected rule strings, got Integer 3",
                settingsError(Map.of("root", "/tmp", "policy", "rules", "rules", List.of(3))));
    }

    private static String settingsError(Map<String, Object> configuration) {
        FuseException e = assertThrows(FuseException.class,
                () -> PassthroughPolicy.fromConfiguration(configuration));
        assertEquals(Errno.EINVAL, e.errno());
        return e.getMessage();
    }
}
